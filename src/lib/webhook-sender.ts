import { createHmac } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import ipaddr from 'ipaddr.js'
import { createHttp1Client, hostOf, type Address } from './http1-client.js'

// Sending one webhook delivery: the receiver's address checked (SSRF), the request signed as the
// Standard Webhooks specification says, redirects never followed, a time limit on the whole attempt.

export type ResolvedAddress = Address

/** Resolves a host name to all its addresses (dns.lookup; tests pass their own). */
export type Resolve = (host: string) => Promise<ResolvedAddress[]>

export const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true })

/**
 * Whether an address is one the public internet routes to: not loopback, private, link-local,
 * unique-local, CGNAT, multicast, unspecified, reserved or any other special range, and not an
 * IPv4-mapped IPv6 form of one (ipaddr.js knows the registries' ranges).
 */
export function isPublicAddress (address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  let ip = ipaddr.parse(address)
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address()
  return ip.range() === 'unicast'
}

export class RefusedAddressError extends Error {}

/** The addresses a URL's host stands for, each checked unless private ones are allowed. */
export async function checkedAddresses (url: URL, allowPrivate: boolean, resolve: Resolve): Promise<ResolvedAddress[]> {
  const host = hostOf(url)
  const addresses = ipaddr.isValid(host)
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }]
    : await resolve(host).catch(() => { throw new RefusedAddressError(`The host ${host} does not resolve`) })
  if (addresses.length === 0) throw new RefusedAddressError(`The host ${host} does not resolve`)
  if (!allowPrivate) {
    const refused = addresses.find(({ address }) => !isPublicAddress(address))
    if (refused) throw new RefusedAddressError(`The host ${host} resolves to ${refused.address}, which is not a public address`)
  }
  return addresses
}

export interface DeliveryRequest {
  url: string
  eventId: string
  body: string
  secrets: string[]
}

export interface AttemptResult {
  statusCode: number | null
  error: string | null
  durationMs: number
}

export interface SenderOptions {
  allowPrivate: boolean
  timeoutMs: number
  resolve?: Resolve
}

/**
 * The webhook-signature header: one `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` per secret,
 * keyed with the secret's base64 part decoded, space-separated. Node's own HMAC: the standardwebhooks
 * package (which the tests verify with, as a receiver would) signs in JavaScript, several times slower.
 */
function signature (secrets: string[], eventId: string, timestamp: number, body: string): string {
  return secrets.map((secret) => {
    const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')
    return `v1,${createHmac('sha256', key).update(`${eventId}.${timestamp}.${body}`).digest('base64')}`
  }).join(' ')
}
const SECRET_PREFIX = 'whsec_'

export function createSender ({ allowPrivate, timeoutMs, resolve: resolveHost = systemResolve }: SenderOptions) {
  // Connections kept open between deliveries (a receiver usually gets many): a kept one is reused
  // only for the addresses it connected to, whatever the name resolves to by now.
  const client = createHttp1Client()

  /** One attempt: a 2xx within the time limit is success; anything else is a failure with its reason. */
  return async function send ({ url, eventId, body, secrets }: DeliveryRequest): Promise<AttemptResult> {
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    const target = new URL(url)
    let addresses: ResolvedAddress[]
    try {
      // Checked again at every attempt, and the connection goes to exactly the addresses checked, so a
      // name that resolves elsewhere by now (DNS rebinding) cannot slip through.
      addresses = await checkedAddresses(target, allowPrivate, resolveHost)
    } catch (error) {
      return { statusCode: null, error: (error as Error).message, durationMs: elapsed() }
    }
    const timestamp = Math.floor(Date.now() / 1000)
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'newsroom-cms-webhooks',
      'webhook-id': eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature(secrets, eventId, timestamp, body),
    }
    return new Promise<AttemptResult>((resolve) => {
      let timedOut = false
      // The time limit covers the whole attempt. A plain timer, not AbortSignal.timeout(): the signal
      // cost some 60 µs of CPU per request here.
      const timer = setTimeout(() => {
        timedOut = true
        cancel(new Error('timed out'))
      }, timeoutMs)
      // Redirects are failures, never followed.
      const cancel = client.post({ url: target, addresses, headers, body }, (error, statusCode) => {
        clearTimeout(timer)
        const ok = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300
        const reason = error ? (timedOut ? `No answer within ${timeoutMs} ms` : error.message) : ok ? null : `The receiver answered ${statusCode}`
        resolve({ statusCode, error: reason, durationMs: elapsed() })
      })
    })
  }
}

export type Sender = ReturnType<typeof createSender>
