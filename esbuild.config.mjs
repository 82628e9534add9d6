// `npm run build`: bundles the server into dist/server.js, and each operational script into
// dist/scripts/, so they run where only production dependencies are installed (the Docker image).
// One file loads several hundred ms faster than the thousand modules behind it, which is most of a cold start.
import { build } from 'esbuild'

const scripts = ['token', 'backup', 'migrate', 'seed', 'reindex', 'db-copy']

await build({
  entryPoints: {
    server: 'src/server.ts',
    ...Object.fromEntries(scripts.map((name) => [`scripts/${name}`, `src/scripts/${name}.ts`])),
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  // The native driver, Swagger UI (it serves static files found next to its own code), sharp (native
  // libvips, found by platform at run time) and the AWS SDK (loaded only for S3 media storage).
  external: ['better-sqlite3', '@fastify/swagger-ui', 'sharp', '@aws-sdk/client-s3'],
  // Bundled CommonJS code still calls require and reads __dirname.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module'",
      "import { fileURLToPath as __fileURLToPath } from 'node:url'",
      "import { dirname as __pathDirname } from 'node:path'",
      'const require = __createRequire(import.meta.url)',
      'const __filename = __fileURLToPath(import.meta.url)',
      'const __dirname = __pathDirname(__filename)',
    ].join('\n'),
  },
  logLevel: 'warning',
})
