// Load generators for the benchmark: wrk where it is installed (it is a separate C process, so it
// measures servers faster than a Node client can drive them), autocannon otherwise.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'

export interface Scenario {
  /** Paths picked at random for each request. */
  paths: string[]
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  /** A JSON body; `__N__` in it becomes a per-request counter. */
  body?: string
}

export interface Measured {
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

export type Tool = 'wrk' | 'autocannon'

export function defaultTool (): Tool {
  return spawnSync('wrk', ['--version']).error ? 'autocannon' : 'wrk'
}

const work = mkdtempSync(join(tmpdir(), 'cms-bench-'))
let scripts = 0

/** A Lua long string that cannot be closed early by its content. */
const luaString = (text: string) => `[==[${text}]==]`

function wrkScript (scenario: Scenario): string {
  const pathsFile = join(work, `paths-${scripts}.txt`)
  writeFileSync(pathsFile, scenario.paths.join('\n'))
  const headers = Object.entries(scenario.headers ?? {}).map(([k, v]) => `[ ${luaString(k)} ] = ${luaString(v)}`).join(', ')
  const file = join(work, `scenario-${scripts++}.lua`)
  writeFileSync(file, `
local paths = {}
for line in io.lines(${luaString(pathsFile)}) do paths[#paths + 1] = line end
local headers = { ${headers} }
local body = ${scenario.body === undefined ? 'nil' : luaString(scenario.body)}
local counter = 0
request = function()
  counter = counter + 1
  local payload = body and string.gsub(body, "__N__", tostring(counter)) or nil
  return wrk.format(${luaString(scenario.method ?? 'GET')}, paths[math.random(#paths)], headers, payload)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_JSON {\\"requests\\":%d,\\"duration\\":%d,\\"p50\\":%d,\\"p99\\":%d,\\"errors\\":%d,\\"status\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
`)
  return file
}

function runWrk (base: string, scenario: Scenario, connections: number, duration: number): Measured {
  const output = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${duration}s`, '--timeout', '10s', '--latency', '-s', wrkScript(scenario), base], { encoding: 'utf8' })
  const line = output.split('\n').find((l) => l.startsWith('BENCH_JSON '))
  if (!line) throw new Error(`wrk printed no summary:\n${output}`)
  const r = JSON.parse(line.slice('BENCH_JSON '.length)) as { requests: number, duration: number, p50: number, p99: number, errors: number, status: number }
  return { rps: Math.round(r.requests / (r.duration / 1e6)), p50: r.p50 / 1000, p99: r.p99 / 1000, errors: r.errors, non2xx: r.status }
}

async function runAutocannon (base: string, scenario: Scenario, connections: number, duration: number): Promise<Measured> {
  let counter = 0
  const result = await autocannon({
    url: base,
    connections,
    duration,
    method: scenario.method ?? 'GET',
    headers: scenario.headers,
    requests: [{
      setupRequest: (request) => ({
        ...request,
        path: scenario.paths[Math.floor(Math.random() * scenario.paths.length)]!,
        ...(scenario.body === undefined ? {} : { body: scenario.body.replaceAll('__N__', String(++counter)) }),
      }),
    }],
  })
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx }
}

export function measure (tool: Tool, base: string, scenario: Scenario, connections: number, duration: number): Promise<Measured> {
  return tool === 'wrk' ? Promise.resolve(runWrk(base, scenario, connections, duration)) : runAutocannon(base, scenario, connections, duration)
}

/** The middle value (of an even count, the upper middle); 0 of none. */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
