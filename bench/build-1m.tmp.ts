import { buildBenchDb } from './generate.js'
const t = performance.now()
buildBenchDb('bench/results/bench-1000000.db', 1_000_000)
console.log(`built 1000000 articles in ${((performance.now() - t) / 1000).toFixed(1)} s`)
