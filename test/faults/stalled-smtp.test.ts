import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createMailer } from '../../src/mail/mailer.js';
import { client, createStaff } from '../helpers/admin.js';
import { startSite, type TestSite } from '../helpers/server.js';

/** A mail server that accepts connections and then says nothing, ever (a hung relay). */
async function startSilentServer(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('a mail server that never answers', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let site: TestSite;
  before(async () => {
    silent = await startSilentServer();
    site = await startSite('sqlite', { app: { smtpUrl: silent.url } });
    await createStaff(site);
  });
  after(async () => {
    await site.close();
    await silent.close();
  });

  test('a mail gives up after its timeout instead of waiting for ever', async () => {
    const mailer = createMailer(silent.url, 'Safir <desk@safir.test>', {
      connectMs: 500,
      greetingMs: 500,
      idleMs: 500,
    });
    const started = performance.now();
    await assert.rejects(mailer.send({ to: 'a@example.com', subject: 'x', text: 'y' }), /timeout|Greeting/i);
    const ms = performance.now() - started;
    assert.ok(ms < 2000, `gave up after ${ms.toFixed(0)} ms`);
  });

  test('asking for a password reset answers at once, account or not (the mail waits in the background)', async () => {
    const forgot = async (email: string) => {
      const c = client(site);
      await c.request('GET', '/admin/forgot');
      const started = performance.now();
      const res = await c.request('POST', '/admin/forgot', { _csrf: c.csrf, email });
      return { status: res.status, ms: performance.now() - started };
    };
    const before = silent.connections();
    const unknown = await forgot('nobody@safir.test');
    const known = await forgot('author@safir.test');
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    assert.ok(known.ms < 1000, `answered in ${known.ms.toFixed(0)} ms with the mail server hung`);
    assert.ok(unknown.ms < 1000, `answered in ${unknown.ms.toFixed(0)} ms`);
    // The mail to the real account was tried (the server hangs it), in the background.
    for (let i = 0; i < 100 && silent.connections() === before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(silent.connections(), before + 1, 'one mail attempted: for the account, none for the unknown address');
  });
});
