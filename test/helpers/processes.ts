import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';

/** Sends `signal` (SIGTERM: a graceful stop) and waits until the process has exited. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/** `safir serve` in its own process on a free loopback port, over the given database and media folder. */
export function serveProcess(
  databaseUrl: string,
  mediaDir: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: '0',
        SAFIR_DEMO: '0',
        SAFIR_WORKERS: '1',
        MEDIA_DIR: mediaDir,
        LOG_LEVEL: 'info',
        ...env,
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

export interface PostResult {
  status: number;
  text: string;
  location?: string;
  /** The first Set-Cookie header, whole (attributes included). */
  setCookie?: string;
}

/** A form post from a chosen loopback address (all of 127.0.0.0/8 is this machine), as a browser would send it. */
export function postForm(
  base: string,
  path: string,
  fields: Record<string, string>,
  localAddress = '127.0.0.1',
  accept = 'text/html',
): Promise<PostResult> {
  const body = new URLSearchParams(fields).toString();
  const url = new URL(base + path);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          accept,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            text,
            location: res.headers.location,
            setCookie: res.headers['set-cookie']?.[0],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
