import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionRow, UserRow } from '../db/schema.js';
import { AppError, forbidden, unauthenticated } from '../shared/errors.js';
import { type Actor, type Capability, actorOf, can } from './roles.js';
import { type AccountService, SESSION_MS, sameToken } from './service.js';

export const SESSION_COOKIE = 'safir_session';
/** Double-submit token for forms shown before there is a session (sign-in, password reset). */
export const FORM_COOKIE = 'safir_form';

export interface Auth {
  user: UserRow;
  session: SessionRow;
  actor: Actor;
}

/**
 * Who may call a route, declared by every route where it is declared:
 * `public` (the reading site and its API: anyone, no session is read),
 * `guest` (admin pages anyone may open: sign-in, password reset), `signed-in`
 * (any role), or a capability. A route without one does not start.
 */
export type Access = 'public' | 'guest' | 'signed-in' | Capability;

declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | null;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** The handler checks the CSRF token itself (multipart bodies, read as a stream). */
    csrfInHandler?: boolean;
  }
}

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  return cookieFrom(req.headers.cookie, name);
}

/** The value of cookie `name` in a Cookie header, decoded; undefined when absent or undecodable. */
export function cookieFrom(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Over HTTPS, cookie names carry the `__Host-` prefix: the browser then keeps
 * them only if Secure, for Path=/ and without a Domain, so no subdomain and
 * no plain-HTTP page can set or shadow them.
 */
function cookieName(req: FastifyRequest, name: string): string {
  return req.protocol === 'https' ? `__Host-${name}` : name;
}

/**
 * Sets an `HttpOnly`, `SameSite=Lax` cookie (`Secure` over HTTPS). For the whole site by default (then
 * `__Host-` prefixed over HTTPS); `path` limits it to one part of it, without the prefix, which demands Path=/.
 */
export function setCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  value: string,
  maxAgeMs: number,
  opts: { path?: string } = {},
): void {
  const fullName = opts.path ? name : cookieName(req, name);
  const attrs = [`${fullName}=${encodeURIComponent(value)}`, `Path=${opts.path ?? '/'}`, 'HttpOnly', 'SameSite=Lax'];
  attrs.push(maxAgeMs > 0 ? `Max-Age=${Math.floor(maxAgeMs / 1000)}` : 'Max-Age=0');
  if (req.protocol === 'https') attrs.push('Secure');
  const prev = reply.getHeader('set-cookie');
  const list = Array.isArray(prev) ? prev : prev ? [String(prev)] : [];
  reply.header('set-cookie', [...list, attrs.join('; ')]);
}

/** The session token the browser sent, if any. */
export function sessionToken(req: FastifyRequest): string | undefined {
  return readCookie(req, cookieName(req, SESSION_COOKIE));
}

export function startSession(req: FastifyRequest, reply: FastifyReply, token: string, verified = true): void {
  setCookie(req, reply, SESSION_COOKIE, token, verified ? SESSION_MS : 10 * 60_000);
}

export function endSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  setCookie(req, reply, SESSION_COOKIE, '', 0);
}

/** The form token for pages without a session: reused from the cookie, or made and set. */
export function formToken(req: FastifyRequest, reply: FastifyReply): string {
  const existing = readCookie(req, cookieName(req, FORM_COOKIE));
  if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
  const token = randomBytes(24).toString('base64url');
  setCookie(req, reply, FORM_COOKIE, token, 24 * 3600_000);
  return token;
}

/** The CSRF token a signed-in page puts in its forms. */
export function csrfToken(req: FastifyRequest, reply: FastifyReply): string {
  return req.auth ? req.auth.session.csrf_token : formToken(req, reply);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const badCsrf = () =>
  new AppError(
    'CSRF',
    403,
    'انتهت صلاحية النموذج أو لم يصدر من هذا الموقع. أعد تحميل الصفحة وحاول مجدداً.',
    'The form has expired or did not come from this site. Reload the page and try again.',
  );

/** Checks a submitted CSRF token against the session's (or the pre-session cookie's). */
export function checkCsrf(req: FastifyRequest, submitted: string | undefined): void {
  const expected = req.auth ? req.auth.session.csrf_token : readCookie(req, cookieName(req, FORM_COOKIE));
  if (!expected || !submitted || !sameToken(expected, submitted)) throw badCsrf();
}

/** Paths that belong to the newsroom: only routes inside the admin scope may answer them. */
export function isAdminPath(url: string): boolean {
  return /^\/(?:admin|api\/v1\/admin)(?:\/|$)/.test(url);
}

const ADMIN_SCOPE = 'safirAdminScope';

/**
 * Checked as each route is added, so a route that breaks a rule stops the app
 * at start instead of being served unguarded or unvalidated (and form routes,
 * which read their own body errors, never see a bad path or query):
 * - it declares its access; a route that needs more than `public` lives in
 *   the admin scope (whose hooks enforce it), and so does every admin path;
 * - it declares a schema for what it reads: params when its path has any, a
 *   query for GET, a body for POST/PUT/PATCH (multipart uploads, read as a
 *   stream, check their fields themselves), and the JSON APIs their responses.
 */
export function enforceRouteRules(app: FastifyInstance): void {
  app.addHook('onRoute', function (route) {
    const method = String(route.method);
    const where = `${method} ${route.url}`;
    const access = route.config?.access;
    if (!access) throw new Error(`${where} declares no access (config.access)`);
    const inScope = this.hasDecorator(ADMIN_SCOPE);
    if (access === 'public' && inScope) throw new Error(`${where}: admin routes cannot be public`);
    if (access !== 'public' && !inScope) throw new Error(`${where} needs access "${access}" outside the admin scope`);
    if (isAdminPath(route.url) && !inScope) throw new Error(`${where} is an admin path outside the admin scope`);
    const schema = route.schema ?? {};
    if (/[:*]/.test(route.url) && !schema.params) throw new Error(`${where} declares no params schema`);
    if ((method === 'GET' || method === 'HEAD') && !schema.querystring)
      throw new Error(`${where} declares no querystring schema`);
    if (['POST', 'PUT', 'PATCH'].includes(method) && !schema.body && !route.config?.csrfInHandler)
      throw new Error(`${where} declares no body schema`);
    if (route.url.startsWith('/api/') && !schema.response) throw new Error(`${where} declares no response schema`);
    // A form route sees a bad body itself (to show the form again), but never a bad path or query: the thing it
    // would show the form for cannot be read from invalid params.
    if (route.attachValidation) {
      const handler = route.handler;
      route.handler = function (req, reply) {
        const invalid = req.validationError;
        if (invalid && invalid.validationContext !== 'body') throw invalid;
        return handler.call(this, req, reply);
      };
    }
  });
}

/**
 * The admin scope: an encapsulated plugin holding every admin page and admin
 * API route. Its hooks load the session, enforce the access the matched route
 * declares (refusing a route that declares none) and check the CSRF token of
 * every state-changing request. Access follows the route the router matched,
 * never the text of the URL, so no spelling of a path can go around it.
 */
export function adminScope(accounts: AccountService, routes: (scope: FastifyInstance) => Promise<void>) {
  return async function scope(app: FastifyInstance): Promise<void> {
    app.decorate(ADMIN_SCOPE, true);

    app.addHook('onRequest', async (req) => {
      const token = sessionToken(req);
      const found = token ? await accounts.sessionByToken(token) : undefined;
      if (found) req.auth = { ...found, actor: actorOf(found.user) };
    });

    // Before the body is validated: who may call the route is settled first, whatever its input.
    app.addHook('preValidation', async (req) => {
      const access = req.routeOptions.config?.access;
      if (!access || access === 'public') throw forbidden();
      if (!SAFE_METHODS.has(req.method)) {
        const origin = req.headers.origin;
        if (origin && origin !== 'null' && hostOf(origin) !== req.host) throw badCsrf();
        if (!req.routeOptions.config.csrfInHandler) {
          const submitted = (req.headers['x-csrf-token'] as string | undefined) ?? bodyToken(req.body);
          checkCsrf(req, submitted);
        }
      }
      if (access === 'guest') return;
      const auth = req.auth;
      if (!auth || !auth.session.verified) throw unauthenticated();
      if (access !== 'signed-in' && !can(auth.actor, access)) throw forbidden();
    });

    await routes(app);
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function bodyToken(body: unknown): string | undefined {
  if (body && typeof body === 'object' && '_csrf' in body) {
    const v = (body as Record<string, unknown>)._csrf;
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

export function requireAuth(req: FastifyRequest): Auth {
  if (!req.auth) throw unauthenticated();
  return req.auth;
}

/** Route options of the reading site and its API: open to anyone, no session read. */
export const PUBLIC = { config: { access: 'public' } } as const;
