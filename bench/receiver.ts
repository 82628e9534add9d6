// A webhook receiver for `npm run bench`: answers every delivery at once; GET /count says how many came.
// A process of its own: the benchmark's process blocks while a load generator runs.
import { createServer } from 'node:http'

let received = 0
const server = createServer((request, response) => {
  if (request.method === 'GET') {
    response.end(String(received))
    return
  }
  request.resume()
  request.on('end', () => {
    received++
    response.statusCode = 204
    response.end()
  })
})
// Longer than a scenario: the benchmark asks for the count on a socket it kept from before.
server.keepAliveTimeout = 120_000
server.listen(Number(process.env.PORT), '127.0.0.1')
