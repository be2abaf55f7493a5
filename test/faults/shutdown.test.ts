import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { seedDemoContent } from '../../src/content/demo/seed.js';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { serveProcess } from '../helpers/processes.js';

type Outcome = 'complete' | 'refused' | 'reset-before-response' | 'cut-mid-response';

/**
 * One GET on a connection of its own, read to the end. A response whose body ends before its Content-Length (or
 * whose connection breaks after the headers came) was cut off mid-response: what a graceful stop must never do.
 */
function getOnce(base: string, path: string): Promise<{ outcome: Outcome; status?: number }> {
  const url = new URL(base + path);
  return new Promise((resolve) => {
    let responded = false;
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, agent: false },
      (res) => {
        responded = true;
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => {
          const length = Number(res.headers['content-length'] ?? bytes);
          resolve({
            outcome: bytes === length && res.complete ? 'complete' : 'cut-mid-response',
            status: res.statusCode,
          });
        });
        res.on('aborted', () => resolve({ outcome: 'cut-mid-response', status: res.statusCode }));
        res.on('error', () => resolve({ outcome: 'cut-mid-response', status: res.statusCode }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (responded) return resolve({ outcome: 'cut-mid-response' });
      resolve({ outcome: err.code === 'ECONNREFUSED' ? 'refused' : 'reset-before-response' });
    });
    req.end();
  });
}

for (const dialect of DIALECTS) {
  describe(`graceful shutdown under load (${dialect}, 2 workers)`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(dialect);
      await seedDemoContent(database, `${database.dir}/media`);
    });
    after(() => database.drop());

    test('SIGTERM while 16 readers are busy: the site stops within 10 s and no response is cut off', async () => {
      const { child, base } = await serveProcess(database.url, `${database.dir}/media`, {
        SAFIR_WORKERS: '2',
        // Every request renders (nothing from the cache): the stop meets requests in the middle of their work.
        PAGE_CACHE_SECONDS: '0',
      });
      const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
      const words = ['الصين', 'روسيا', 'اقتصاد', 'ثقافة', 'السفير', 'بوتين'];
      const outcomes = new Map<string, number>();
      let stopAt = 0;
      let stillUp = true;
      void exited.then(() => (stillUp = false));
      const reader = async (n: number) => {
        for (let i = 0; stillUp; i++) {
          const path = i % 2 ? '/' : `/search?q=${encodeURIComponent(words[(n + i) % words.length]!)}&page=${i}`;
          const { outcome, status } = await getOnce(base, path);
          const key = outcome === 'complete' ? `${outcome} ${status}` : outcome;
          if (stopAt) outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          if (outcome === 'refused') await new Promise((r) => setTimeout(r, 20));
        }
      };
      const readers = Array.from({ length: 16 }, (_, n) => reader(n));
      await new Promise((r) => setTimeout(r, 1500));
      stopAt = performance.now();
      child.kill('SIGTERM');
      const stoppedAfter = (await exited) - stopAt;
      await Promise.all(readers);
      console.log(
        `${dialect}: stopped ${stoppedAfter.toFixed(0)} ms after SIGTERM; requests during the stop: ${[...outcomes]
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')}`,
      );
      assert.equal(child.exitCode, 0, 'a clean exit');
      assert.ok(stoppedAfter < 10_000, `stopped within 10 s (${stoppedAfter.toFixed(0)} ms)`);
      assert.equal(outcomes.get('cut-mid-response') ?? 0, 0, 'no response cut off');
      const completed = [...outcomes].filter(([k]) => k.startsWith('complete')).reduce((n, [, v]) => n + v, 0);
      assert.ok(completed > 0, 'requests in flight at the signal were finished');
      assert.equal(outcomes.get('complete 500') ?? 0, 0, 'no 500 while stopping');
    });
  });
}
