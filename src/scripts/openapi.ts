// `write` regenerates openapi/openapi.json from the routes; `check` fails when the committed file differs.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../app.js'
import { testConfig } from '../config.js'
import { projectRoot } from '../lib/paths.js'
import { createStore } from '../store/create-store.js'

const file = join(projectRoot, 'openapi', 'openapi.json')
const config = testConfig()
const store = createStore(config)
await store.migrate()
const app = await buildApp({ config, store, background: false })
await app.ready()
const generated = JSON.stringify(app.swagger(), null, 2) + '\n'
await app.close()
await store.close()

if (process.argv[2] === 'write') {
  mkdirSync(join(projectRoot, 'openapi'), { recursive: true })
  writeFileSync(file, generated)
  console.log(`wrote ${file}`)
} else {
  let committed = ''
  try {
    committed = readFileSync(file, 'utf8')
  } catch {}
  if (committed !== generated) {
    console.error('openapi/openapi.json is out of date: run `npm run openapi:write` and commit it')
    process.exit(1)
  }
  console.log('openapi/openapi.json matches the served document')
}
