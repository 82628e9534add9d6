import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The project root, found the same way from src/ (tsx) and dist/ (the bundle). */
function findRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('package.json not found above ' + dir)
    dir = parent
  }
  return dir
}

export const projectRoot = findRoot()
export const migrationsFolder = join(projectRoot, 'migrations')
