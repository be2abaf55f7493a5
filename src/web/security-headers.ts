import { ADMIN_CSP, PAGE_CSP, PERMISSIONS_POLICY } from './theme/layout.js';

/**
 * The headers every response carries, in one place: Fastify's onSend hook
 * (app.ts) and the cache's direct answers (delivery/page-cache.ts) both use
 * them, so a page served from memory is protected exactly like one rendered.
 */
export const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': PERMISSIONS_POLICY,
} as const;

/** The Content-Security-Policy for an HTML response: the newsroom's forbids framing altogether. */
export function contentSecurityPolicy(newsroom: boolean): string {
  return newsroom ? ADMIN_CSP : PAGE_CSP;
}
