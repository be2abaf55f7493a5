/**
 * What every benchmark does with Safir itself: start the built CLI (`safir serve`) on a loopback port
 * over a database, wait until it answers, and stop it (the primary and its workers).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** `safir serve` from dist/ on 127.0.0.1:port, no demo, media under `dir`; `env` adds or overrides settings. */
export function startSafir(
  databaseUrl: string,
  port: number,
  dir: string,
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, ['dist/cli.js', 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      SITE_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      SAFIR_DEMO: '0',
      MEDIA_DIR: join(dir, 'media'),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Resolves once `url` answers 2xx; throws after `ms`. */
export async function waitFor(url: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then waits for the process to exit (the primary stops its workers first). */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
