import type { Role } from '../../src/db/schema.js';
import type { TestSite } from './server.js';

/** A signed-in browser without a browser: keeps cookies, knows its CSRF token, follows nothing by itself. */
export interface Client {
  cookie: string;
  csrf: string;
  request(
    method: string,
    path: string,
    body?: Record<string, string | string[]> | FormData | object,
    headers?: Record<string, string>,
  ): Promise<{ status: number; text: string; location: string | null; headers: Headers }>;
}

function mergeCookies(jar: Map<string, string>, res: Response): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    if (/Max-Age=0/i.test(c)) jar.delete(name);
    else jar.set(name, value);
  }
}

export function client(site: TestSite): Client {
  const jar = new Map<string, string>();
  const c: Client = {
    get cookie() {
      return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    },
    csrf: '',
    async request(method, path, body, headers = {}) {
      const init: RequestInit = { method, redirect: 'manual', headers: { cookie: c.cookie, ...headers } };
      if (body instanceof FormData) init.body = body;
      else if (body && headers['content-type'] === 'application/json') init.body = JSON.stringify(body);
      else if (body) {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(body as Record<string, string | string[]>))
          for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
        init.body = params;
      }
      const res = await fetch(site.base + path, init);
      mergeCookies(jar, res);
      const text = await res.text();
      const token = /name="_csrf" value="([^"]+)"/.exec(text);
      if (token) c.csrf = token[1]!;
      return { status: res.status, text, location: res.headers.get('location'), headers: res.headers };
    },
  };
  return c;
}

/** Signs in through the real form; returns the client with its session and CSRF token. */
export async function signIn(site: TestSite, email: string, password: string): Promise<Client> {
  const c = client(site);
  await c.request('GET', '/admin/sign-in');
  const r = await c.request('POST', '/admin/sign-in', { _csrf: c.csrf, email, password });
  if (r.status !== 303) throw new Error(`sign-in failed: ${r.status}`);
  await c.request('GET', '/admin');
  return c;
}

export const PASSWORD = 'a long test password';

/** One account per role, created through the service (the CLI's path). */
export async function createStaff(
  site: TestSite,
): Promise<Record<Role, { id: number; authorId: number; email: string }>> {
  const out = {} as Record<Role, { id: number; authorId: number; email: string }>;
  for (const role of ['administrator', 'editor', 'author', 'contributor'] as const) {
    const u = await site.services.accounts.createUser({
      email: `${role}@safir.test`,
      name: `${role} الاسم`,
      role,
      password: PASSWORD,
    });
    out[role] = { id: u.id, authorId: u.author_id, email: u.email };
  }
  return out;
}
