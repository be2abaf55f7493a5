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
 * Who may call a route: `public` (sign-in pages), `signed-in` (any role), or a
 * capability. Every admin route must declare one; a route without it is refused.
 */
export type Access = 'public' | 'signed-in' | Capability;

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
  const header = req.headers.cookie;
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

export function setCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  value: string,
  maxAgeMs: number,
): void {
  const attrs = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  attrs.push(maxAgeMs > 0 ? `Max-Age=${Math.floor(maxAgeMs / 1000)}` : 'Max-Age=0');
  if (req.protocol === 'https') attrs.push('Secure');
  const prev = reply.getHeader('set-cookie');
  const list = Array.isArray(prev) ? prev : prev ? [String(prev)] : [];
  reply.header('set-cookie', [...list, attrs.join('; ')]);
}

export function startSession(req: FastifyRequest, reply: FastifyReply, token: string, verified = true): void {
  setCookie(req, reply, SESSION_COOKIE, token, verified ? SESSION_MS : 10 * 60_000);
}

/** The form token for pages without a session: reused from the cookie, or made and set. */
export function formToken(req: FastifyRequest, reply: FastifyReply): string {
  const existing = readCookie(req, FORM_COOKIE);
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
  const expected = req.auth ? req.auth.session.csrf_token : readCookie(req, FORM_COOKIE);
  if (!expected || !submitted || !sameToken(expected, submitted)) throw badCsrf();
}

/**
 * Session loading, access rules and CSRF protection for everything under
 * `/admin` and `/api/v1/admin`. Registered once on the root instance; the
 * routes themselves declare `config.access`.
 */
export function registerAuth(app: FastifyInstance, accounts: AccountService): void {
  app.decorateRequest('auth', null);
  const guarded = (url: string) => url.startsWith('/admin') || url.startsWith('/api/v1/admin');

  app.addHook('onRequest', async (req) => {
    if (!guarded(req.url)) return;
    const token = readCookie(req, SESSION_COOKIE);
    const found = token ? await accounts.sessionByToken(token) : undefined;
    if (found)
      req.auth = {
        ...found,
        actor: actorOf(found.user),
      };
  });

  app.addHook('preHandler', async (req) => {
    if (!guarded(req.url)) return;
    const access = req.routeOptions.config?.access;
    if (!access) {
      // Unknown admin URLs are 404s; a known route that forgot to declare access is refused.
      if (req.routeOptions.url === undefined) return;
      throw forbidden();
    }
    if (!SAFE_METHODS.has(req.method)) {
      const origin = req.headers.origin;
      if (origin && origin !== 'null' && hostOf(origin) !== req.host) throw badCsrf();
      if (!req.routeOptions.config.csrfInHandler) {
        const submitted = (req.headers['x-csrf-token'] as string | undefined) ?? bodyToken(req.body);
        checkCsrf(req, submitted);
      }
    }
    if (access === 'public') return;
    const auth = req.auth;
    if (!auth || !auth.session.verified) throw unauthenticated();
    if (access !== 'signed-in' && !can(auth.actor, access)) throw forbidden();
  });
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
