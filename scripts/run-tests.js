#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's own runner (tsx compiles on load).
// Node 20's runner does not expand globs, so the files are listed here.
// `node scripts/run-tests.js web import` runs only files whose path contains one of the words.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

const isRoot = process.getuid?.() === 0;
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status === 0;

/** Whether something accepts TCP connections at url's host and port. */
function reachable(url) {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port || 5432), url.hostname);
    socket.setTimeout(2000, () => (socket.destroy(), resolve(false)));
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

/**
 * Makes sure the services the suite needs are there: Debian's Chromium for the
 * browser tests and a PostgreSQL server (every data test runs on SQLite and on
 * PostgreSQL). On a machine where we are root it installs or starts them, as
 * .ci/run does; elsewhere it stops with the command to run.
 */
async function preflight() {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const missing = [
    !existsSync(chromium) && 'chromium',
    !existsSync('/usr/bin/xmllint') && 'libxml2-utils', // the sitemap tests validate against the XML schemas
    !existsSync('/usr/sbin/varnishd') && 'varnish', // the shared-cache tests run deploy/varnish/safir.vcl
    !existsSync('/usr/lib/x86_64-linux-gnu/varnish/vmods/libvmod_xkey.so') && 'varnish-modules',
  ].filter(Boolean);
  if (missing.length && isRoot) {
    console.log(`Installing Debian ${missing.join(' and ')} for the tests…`);
    run('apt-get', ['update', '-qq']) &&
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  }
  if (!existsSync('/usr/sbin/varnishd')) {
    console.error("The shared-cache tests need Debian's Varnish: apt-get install -y varnish varnish-modules.");
    process.exit(1);
  }
  if (!existsSync(chromium)) {
    console.error(
      `Browser tests need Debian's Chromium at ${chromium}: apt-get install -y chromium (or set CHROMIUM_PATH).`,
    );
    process.exit(1);
  }
  const pgUrl = new URL(process.env.SAFIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  if (!(await reachable(pgUrl)) && isRoot && existsSync('/etc/postgresql')) {
    const version = readdirSync('/etc/postgresql')[0];
    if (version) run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
  }
  if (!(await reachable(pgUrl))) {
    console.error(
      `Every data test runs on SQLite and on PostgreSQL, and no PostgreSQL answers at ${pgUrl.host}.\n` +
        'Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set SAFIR_TEST_PG_URL.',
    );
    process.exit(1);
  }
}

/** Redis, for the limits several nodes share (REDIS_URL): started here as .ci/run does, if it is not running. */
async function redisPreflight() {
  const url = new URL(process.env.SAFIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (!(await reachable(url)) && isRoot)
    run('redis-server', [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      url.port || '6379',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
  for (let i = 0; i < 20 && !(await reachable(url)); i++) await new Promise((r) => setTimeout(r, 250));
  if (!(await reachable(url))) {
    console.error(
      `The shared-limit tests need Redis at ${url.host}: redis-server --daemonize yes (or set SAFIR_TEST_REDIS_URL).`,
    );
    process.exit(1);
  }
}

const only = process.argv.slice(2);
const files = find('test')
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.error('No test files found.');
  process.exit(1);
}
await preflight();
await redisPreflight();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
