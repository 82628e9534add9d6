import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildApp } from './src/app.js'
import { testConfig } from './src/config.js'
import { openDatabase } from './src/db/client.js'
import { migrateDatabase } from './src/db/migrate.js'
setFlagsFromString('--expose-gc'); const gc = runInNewContext('gc') as () => void
const db = openDatabase(':memory:'); migrateDatabase(db)
const app = await buildApp({ config: testConfig({ responseCacheMaxEntries: 0 }), db }); await app.ready()
gc(); const before = process.memoryUsage().heapUsed
for (let i = 0; i < 5000; i++) await app.inject('/healthz')
await sleep(100); gc(); await sleep(100); gc()
console.log(((process.memoryUsage().heapUsed - before) / 1e6).toFixed(1), 'MB')
