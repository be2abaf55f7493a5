import type { FastifyRequest } from 'fastify';

/** The public origin for absolute links: the configured base URL, else the request's own. */
export function originOf(req: FastifyRequest, ctx: { site: { baseUrl: string } }): string {
  if (ctx.site.baseUrl) return ctx.site.baseUrl;
  // The Host header is the client's word: keep only what a host name can be.
  const host = /^[a-z0-9.\-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(req.host) ? req.host : 'localhost';
  return `${req.protocol}://${host}`;
}
