import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { after, describe, test } from 'node:test';
import { seedDemoContent } from '../../src/content/demo/seed.js';
import { openDatabase } from '../../src/db/database.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

/** Starts `safir serve` on a free port and resolves with the process and its address. */
function serve(db: TestDatabase): Promise<{ child: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        PORT: '0',
        SAFIR_DEMO: '0',
        MEDIA_DIR: `${db.dir}/media`,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const onData = (d: Buffer) => {
      log += d;
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        child.stdout!.off('data', onData);
        resolve({ child, base: m[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${log.slice(-500)}`)));
  });
}

function post(base: string, path: string, fields: Record<string, string>, localAddress: string) {
  const body = new URLSearchParams(fields).toString();
  const url = new URL(base + path);
  return new Promise<{ status: number; location?: string }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

for (const dialect of DIALECTS) {
  describe(`comments survive a SIGKILL on ${dialect}`, () => {
    let db: TestDatabase | undefined;
    const children: ChildProcess[] = [];
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await db?.drop();
    });

    test('every comment answered with success is there after a restart', async () => {
      db = await createTestDatabase(dialect);
      await seedDemoContent(db, `${db.dir}/media`);
      const { child, base } = await serve(db);
      children.push(child);
      const html = await (await fetch(base + '/')).text();
      const path = /href="(\/article\/[^"]+)"/.exec(html)![1]!;
      const tokens: string[] = [];
      for (let i = 0; i < 80; i++)
        tokens.push(((await (await fetch(`${base}${path}/comments/token`)).json()) as { token: string }).token);
      await new Promise((r) => setTimeout(r, 3100));

      // Four writers in parallel, each comment from its own loopback address; the server is killed mid-stream.
      const acknowledged: number[] = [];
      let next = 0;
      let killed = false;
      const writer = async () => {
        while (!killed && next < tokens.length) {
          const i = next++;
          try {
            const res = await post(
              base,
              `${path}/comments`,
              { author: 'قارئ', email: `d${i}@example.com`, comment: `تعليق باقٍ ${i}`, token: tokens[i]! },
              `127.0.${10 + Math.floor(i / 200)}.${(i % 200) + 1}`,
            );
            if (res.status === 303)
              acknowledged.push(
                Number(/[?&]c=(\d+)/.exec(res.location ?? '')?.[1] ?? /#comment-(\d+)/.exec(res.location ?? '')?.[1]),
              );
          } catch {
            // The connection died with the server: this one was never acknowledged.
          }
        }
      };
      const writers = Promise.all([writer(), writer(), writer(), writer()]);
      while (acknowledged.length < 25) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      killed = true;
      await writers;
      await new Promise((r) => child.once('exit', r));

      // A new process on the same database: everything acknowledged is there.
      const again = await serve(db);
      children.push(again.child);
      assert.equal((await fetch(again.base + '/')).status, 200);
      const check = openDatabase(db.url);
      try {
        const rows = await check.db.selectFrom('comments').select('id').where('id', 'in', acknowledged).execute();
        assert.equal(rows.length, acknowledged.length, `${acknowledged.length} acknowledged, ${rows.length} found`);
      } finally {
        await check.close();
      }
      again.child.kill('SIGTERM');
    });
  });
}
