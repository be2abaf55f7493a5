/**
 * npm run bench:newsroom — the newsroom's workload, side by side with nginx in one run:
 *
 *   1. readers spread over the corpus's article URLs by a Zipf law (s = 1), with `Accept-Encoding: gzip`,
 *      under wrk (2 threads, 16 connections), while an editor saves a published article every second
 *      through the admin API; printed: requests/s, p99, errors, the ratio to nginx, and the slowest time
 *      from a save to the change being visible;
 *   2. one hot article;
 *   3. uncached articles (the page cache off: every request renders);
 *   4. nginx serving one saved article page from disk (gzip_static), the yardstick;
 *   5. two nodes (one worker each) behind Varnish running deploy/varnish/safir.vcl, purged through the
 *      outbox: the newsroom load and the hot article again, through Varnish (BENCH_VARNISH=0 skips it).
 *
 * On SQLite and, when reachable, PostgreSQL; `safir serve` with its default workers (one per CPU).
 * BENCH_SECONDS (default 20) sets each load run; BENCH_DIALECTS=sqlite limits the databases.
 * Bounded: every load talks to 127.0.0.1 only and stops by itself.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { startSafir, stop, waitFor } from './serve.js';
import { startVarnish } from '../test/helpers/varnish.js';
import { AccountService } from '../src/accounts/service.js';
import { serverSecret } from '../src/accounts/secret.js';
import { openDatabase } from '../src/db/database.js';
import { afterBulkLoad } from '../src/db/maintenance.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { importJsonl } from '../src/import/jsonl.js';

const CORPUS = resolve(process.env.SAFIR_CORPUS ?? '../shared/corpus/arabic-news.jsonl');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PG_ADMIN = process.env.SAFIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',');
const ZIPF = resolve('bench/zipf.lua');
const VARNISH = process.env.BENCH_VARNISH !== '0';
const run = promisify(execFile);

export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * Runs wrk and reads its summary: requests/s, latency percentiles (ms), and every kind of error.
 * Asynchronous, so that the editor of the same run keeps working while wrk loads the site.
 */
export async function wrk(
  url: string,
  seconds: number,
  env: Record<string, string> = {},
  script?: string,
): Promise<WrkResult> {
  const args = ['-t2', '-c16', `-d${seconds}s`, '--latency', '-H', 'Accept-Encoding: gzip'];
  if (script) args.push('-s', script);
  const { stdout: out } = await run('wrk', [...args, url], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = (label: string) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: ms('50'),
    p99: ms('99'),
    errors: non2xx + (socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0),
  };
}

/** RSS and PSS (MB) of a process and its children, from /proc: PSS splits pages the workers share. */
function memoryOf(pid: number): { rss: number; pss: number } {
  const pids = [
    String(pid),
    ...execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n'),
  ].filter((p) => p.trim());
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    const rollup = readFileSync(`/proc/${p.trim()}/smaps_rollup`, 'utf8');
    rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  return { rss: Math.round(rss / 1024), pss: Math.round(pss / 1024) };
}

/** nginx serving one file, gzip_static, as many workers as Safir: the yardstick of the same run. */
export function startNginx(dir: string, port: number, html: string): ChildProcess {
  const root = join(dir, 'nginx');
  mkdirSync(join(root, 'html'), { recursive: true });
  writeFileSync(join(root, 'html', 'article.html'), html);
  writeFileSync(join(root, 'html', 'article.html.gz'), gzipSync(html, { level: 6 }));
  writeFileSync(
    join(root, 'nginx.conf'),
    `user root; worker_processes 2; daemon off; pid ${root}/nginx.pid; error_log ${root}/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { text/html html; } default_type text/html;
  client_body_temp_path ${root}/tmp; proxy_temp_path ${root}/tmp; fastcgi_temp_path ${root}/tmp;
  uwsgi_temp_path ${root}/tmp; scgi_temp_path ${root}/tmp;
  server { listen 127.0.0.1:${port}; root ${root}/html; gzip_static on; location / { } } }`,
  );
  mkdirSync(join(root, 'tmp'), { recursive: true });
  return spawn('nginx', ['-c', join(root, 'nginx.conf'), '-p', root], { stdio: 'inherit' });
}

export interface EditorSession {
  cookie: string;
  csrf: string;
}

export async function editorSession(databaseUrl: string): Promise<EditorSession> {
  const database = openDatabase(databaseUrl);
  try {
    const accounts = new AccountService(database.db, await serverSecret(database.db));
    const user =
      (await accounts.userByEmail('bench-editor@safir.test')) ??
      (await accounts.createUser({
        email: 'bench-editor@safir.test',
        name: 'محرر القياس',
        role: 'editor',
        password: 'a long bench password',
      }));
    const { token, session } = await accounts.createSession(user.id, 'bench');
    return { cookie: `safir_session=${token}`, csrf: session.csrf_token };
  } finally {
    await database.close();
  }
}

/**
 * Every second, saves one of the most-read articles with a new sentence in its body, then polls its page
 * (as a reader would, gzip) until the sentence shows. Returns the save-to-visible times.
 */
function editor(base: string, session: EditorSession, hot: { id: number; path: string }[], seconds: number) {
  const delays: number[] = [];
  let failures = 0;
  const pollers: Promise<void>[] = [];
  const run = (async () => {
    const end = Date.now() + seconds * 1000;
    for (let i = 0; Date.now() < end; i++) {
      const tick = Date.now();
      const target = hot[i % hot.length]!;
      const marker = `تصحيح-${Date.now()}-${i}`;
      const got = await fetch(`${base}/api/v1/admin/articles/${target.id}`, { headers: { cookie: session.cookie } });
      const { article } = (await got.json()) as { article: Record<string, unknown> & { tags: string[] } };
      const saved = Date.now();
      const res = await fetch(`${base}/api/v1/admin/articles/${target.id}`, {
        method: 'PUT',
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
        body: JSON.stringify({
          title: article.title,
          excerpt: article.excerpt,
          body: `${String(article.body_html).replace(/<p>تصحيح-[^<]*<\/p>$/, '')}<p>${marker}</p>`,
          category: article.category_id,
          tags: article.tags,
          updated_at: article.updated_at,
          action: 'save',
        }),
      });
      await res.text();
      if (!res.ok) {
        failures++;
        continue;
      }
      pollers.push(
        (async () => {
          for (;;) {
            const page = await (await fetch(base + target.path, { headers: { 'accept-encoding': 'gzip' } })).text();
            if (page.includes(marker)) break;
            if (Date.now() - saved > 30_000) {
              failures++;
              return;
            }
            await new Promise((r) => setTimeout(r, 25));
          }
          delays.push(Date.now() - saved);
        })(),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tick))));
    }
  })();
  return {
    async done() {
      await run;
      await Promise.all(pollers);
      return { delays, failures };
    },
  };
}

async function prepare(dialect: string, dir: string): Promise<string> {
  let url = join(dir, 'newsroom.db');
  if (dialect === 'postgres') {
    const name = `safir_bench_newsroom_${process.pid}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(PG_ADMIN);
    u.pathname = `/${name}`;
    url = u.toString();
  }
  const database = openDatabase(url);
  try {
    await migrateToLatest(database.db, database.dialect);
    const t = performance.now();
    await importJsonl(database.db, CORPUS);
    await afterBulkLoad(database);
    console.log(`${dialect}: imported the corpus in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } finally {
    await database.close();
  }
  return url;
}

async function dropPg(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

/** A fixed shuffle (so that popularity does not follow the id), the same in every run. */
function shuffle<T>(items: T[]): T[] {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Article paths from the sitemaps, in a fixed shuffled order: rank 1 is the most read. */
async function articlePaths(base: string): Promise<{ id: number; path: string }[]> {
  const index = await (await fetch(`${base}/sitemap.xml`)).text();
  const files = [...index.matchAll(/<loc>([^<]+articles-\d+\.xml)<\/loc>/g)].map((m) => m[1]!);
  const paths: string[] = [];
  for (const f of files) {
    const xml = await (await fetch(f)).text();
    for (const m of xml.matchAll(/<loc>https?:\/\/[^/]+(\/article\/[^<]+)<\/loc>/g)) paths.push(m[1]!);
  }
  shuffle(paths);
  const out: { id: number; path: string }[] = [];
  for (const path of paths.slice(0, 50)) {
    const slug = decodeURIComponent(path.slice('/article/'.length));
    const api = (await (await fetch(`${base}/api/v1/articles/${encodeURIComponent(slug)}`)).json()) as { id: number };
    out.push({ id: api.id, path });
  }
  return [...out, ...paths.slice(50).map((path) => ({ id: 0, path }))];
}

/**
 * The newsroom's load on a running site: a warm-up by the readers' own traffic (the cache fills as on a
 * live site), then Zipf readers over `pathsFile` under wrk while the editor saves one of `hot` a second.
 */
export async function readersAndEditor(
  base: string,
  session: EditorSession,
  pathsFile: string,
  hot: { id: number; path: string }[],
  seconds: number,
) {
  await wrk(base, Math.min(10, seconds), { PATHS: pathsFile }, ZIPF);
  const edits = editor(base, session, hot, seconds);
  const load = await wrk(base, seconds, { PATHS: pathsFile }, ZIPF);
  const { delays, failures } = await edits.done();
  const slowest = delays.length ? Math.max(...delays) : NaN;
  const median = delays.length ? [...delays].sort((a, b) => a - b)[Math.floor(delays.length / 2)]! : NaN;
  return { load, median, slowest, delays, failures };
}

/**
 * The newsroom load over the newest `count` articles (walked by the API's cursor, so it works at any
 * archive size), summarised in one line.
 */
export async function newsroomLoad(
  base: string,
  session: EditorSession,
  pathsFile: string,
  seconds: number,
  count = 5000,
) {
  const newest: { id: number; path: string }[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (
      await fetch(`${base}/api/v1/articles?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
    ).json()) as { articles: { id: number; url: string }[]; next_cursor: string | null };
    newest.push(...page.articles.map((a) => ({ id: a.id, path: new URL(a.url).pathname })));
    cursor = page.next_cursor;
  } while (cursor && newest.length < count);
  shuffle(newest);
  writeFileSync(pathsFile, newest.map((a) => a.path).join('\n'));
  const r = await readersAndEditor(base, session, pathsFile, newest.slice(0, 50), seconds);
  return (
    `${r.load.rps.toFixed(0)} req/s, p99 ${r.load.p99.toFixed(1)} ms, ${r.load.errors} errors; ` +
    `save→visible median ${r.median} ms, slowest ${r.slowest} ms over ${r.delays.length} edits` +
    (r.failures ? `, ${r.failures} failed` : '')
  );
}

const row = (label: string, r: WrkResult, nginx: number, extra = '') =>
  `${label.padEnd(34)}${r.rps.toFixed(0).padStart(9)}${r.p99.toFixed(1).padStart(9)}${String(r.errors).padStart(8)}${(r.rps / nginx).toFixed(3).padStart(9)}  ${extra}`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'safir-newsroom-'));
  try {
    const lines: string[] = [];
    for (const dialect of DIALECTS) {
      if (dialect === 'postgres') {
        try {
          const c = new pg.Client({ connectionString: PG_ADMIN });
          await c.connect();
          await c.end();
        } catch {
          console.log('PostgreSQL is not reachable: skipping it');
          continue;
        }
      }
      const url = await prepare(dialect, dir);
      const port = 3400 + lines.length;
      const base = `http://127.0.0.1:${port}`;
      const session = await editorSession(url);
      let safir = startSafir(url, port, dir);
      await waitFor(`${base}/`);
      const all = await articlePaths(base);
      const pathsFile = join(dir, `paths-${dialect}.txt`);
      writeFileSync(pathsFile, all.map((a) => a.path).join('\n'));

      // nginx, in the same run, on the same machine: one saved article page.
      const hotPath = all[0]!.path;
      const hotHtml = await (await fetch(base + hotPath)).text();
      const nginx = startNginx(dir, port + 100, hotHtml);
      await waitFor(`http://127.0.0.1:${port + 100}/article.html`);
      const yard = await wrk(`http://127.0.0.1:${port + 100}/article.html`, SECONDS);
      await stop(nginx);

      const {
        load: newsroom,
        median,
        slowest,
        delays,
        failures,
      } = await readersAndEditor(base, session, pathsFile, all.slice(0, 50), SECONDS);
      const hot = await wrk(base + hotPath, SECONDS);
      const memory = memoryOf(safir.pid!);
      await stop(safir);

      safir = startSafir(url, port, dir, { PAGE_CACHE_SECONDS: '0' });
      await waitFor(`${base}/`);
      const uncached = await wrk(base, SECONDS, { PATHS: pathsFile }, ZIPF);
      await stop(safir);

      // Two nodes behind Varnish: readers and the editor go through Varnish, which purges follow.
      let behindVarnish: string[] = [];
      if (VARNISH) {
        const ports = [port + 10, port + 11];
        // Memory for the whole corpus, as a production Varnish would have.
        const varnish = await startVarnish(ports, 512);
        const nodes = ports.map((p) =>
          startSafir(url, p, dir, { SAFIR_WORKERS: '1', PURGE_VARNISH: varnish.base, SITE_URL: varnish.base }),
        );
        try {
          for (const p of ports) await waitFor(`http://127.0.0.1:${p}/`);
          const v = await readersAndEditor(varnish.base, session, pathsFile, all.slice(0, 50), SECONDS);
          const vHot = await wrk(varnish.base + hotPath, SECONDS);
          behindVarnish = [
            row(
              'two nodes behind Varnish: newsroom',
              v.load,
              yard.rps,
              `save→visible: median ${v.median} ms, slowest ${v.slowest} ms over ${v.delays.length} edits${v.failures ? `, ${v.failures} failed` : ''}`,
            ),
            row('two nodes behind Varnish: hot', vHot, yard.rps),
          ];
        } finally {
          for (const n of nodes) await stop(n);
          await varnish.stop();
        }
      }
      if (dialect === 'postgres') await dropPg(url);

      lines.push(
        `\n${dialect} (${all.length} articles, safir serve with one worker per CPU; nginx ${yard.rps.toFixed(0)} req/s, p99 ${yard.p99.toFixed(1)} ms)`,
        `${'workload'.padEnd(34)}${'req/s'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'×nginx'.padStart(9)}`,
        row(
          'newsroom: Zipf readers + 1 edit/s',
          newsroom,
          yard.rps,
          `save→visible: median ${median} ms, slowest ${slowest} ms over ${delays.length} edits${failures ? `, ${failures} failed` : ''}`,
        ),
        row('one hot article', hot, yard.rps),
        row('uncached articles (cache off)', uncached, yard.rps),
        ...behindVarnish,
        `memory of all processes with the corpus cached: ${memory.rss} MB RSS (${memory.pss} MB PSS: shared pages counted once)`,
      );
    }
    console.log(lines.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
