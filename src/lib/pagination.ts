import type { FastifyReply, FastifyRequest } from 'fastify'

/** Sets `Link: <…>; rel="next"` when there is a next page: the same request with the new cursor. */
export function linkNext (request: FastifyRequest, reply: FastifyReply, publicUrl: string, nextCursor: string | null): void {
  if (!nextCursor) return
  const url = new URL(request.url, publicUrl + '/')
  url.searchParams.set('cursor', nextCursor)
  reply.header('Link', `<${publicUrl}${url.pathname}${url.search}>; rel="next"`)
}

/** The `{ data, meta }` envelope of one page, with its Link header set. */
export function listPage<T> (
  request: FastifyRequest, reply: FastifyReply, publicUrl: string, limit: number,
  { items, nextCursor, total }: { items: T[], nextCursor: string | null, total: number },
) {
  linkNext(request, reply, publicUrl, nextCursor)
  return { data: items, meta: { limit, nextCursor, total } }
}
