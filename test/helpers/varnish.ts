import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free loopback port (taken and given back at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningVarnish {
  base: string;
  stop(): Promise<void>;
}

/**
 * The project's own `deploy/varnish/safir.vcl` with its backend's `.host` and `.port` lines rewritten to the
 * node(s) under test; with several, one backend per node and a round-robin director, as the VCL's notes say.
 */
export function vclFor(backendPorts: number[]): string {
  const vcl = readFileSync('deploy/varnish/safir.vcl', 'utf8');
  const block = /backend safir \{[\s\S]*?\n\}\n/.exec(vcl)?.[0];
  if (!block || !/\.host = "[^"]*";/.test(block) || !/\.port = "[^"]*";/.test(block))
    throw new Error('safir.vcl has no backend with .host and .port lines to rewrite');
  const backend = (name: string, port: number) =>
    block
      .replace('backend safir {', `backend ${name} {`)
      .replace(/\.host = "[^"]*";/, '.host = "127.0.0.1";')
      .replace(/\.port = "[^"]*";/, `.port = "${port}";`);
  if (backendPorts.length === 1) return vcl.replace(block, backend('safir', backendPorts[0]!));
  const names = backendPorts.map((_, i) => `safir${i}`);
  const director = [
    ...backendPorts.map((port, i) => backend(names[i]!, port)),
    'sub vcl_init {\n    new nodes = directors.round_robin();',
    ...names.map((n) => `    nodes.add_backend(${n});`),
    '}\n\nsub vcl_recv {\n    set req.backend_hint = nodes.backend();\n}\n',
  ].join('\n');
  return vcl.replace(/^import xkey;$/m, 'import xkey;\nimport directors;').replace(block, director);
}

/** Debian's Varnish running `vclFor(backendPorts)` in the foreground, on a loopback port, with `storageMb` of memory. */
export async function startVarnish(backendPorts: number | number[], storageMb = 64): Promise<RunningVarnish> {
  const dir = mkdtempSync(join(tmpdir(), 'safir-varnish-'));
  const rewritten = vclFor([backendPorts].flat());
  writeFileSync(join(dir, 'safir.vcl'), rewritten);
  const listen = await freePort();
  const child: ChildProcess = spawn(
    'varnishd',
    ['-F', '-j', 'none', '-n', join(dir, 'work'), '-a', `127.0.0.1:${listen}`, '-f', join(dir, 'safir.vcl')].concat([
      '-s',
      'malloc,64m',
      '-T',
      'none',
      '-p',
      'ban_lurker_sleep=0.05',
    ]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${listen}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`varnishd exited: ${log.slice(-800)}`);
    // A purge is answered by Varnish itself: it needs no backend to be up.
    const up = await fetch(`${base}/`, { method: 'PURGE', headers: { 'xkey-purge': 'none' } }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`varnishd did not answer within 20 s: ${log.slice(-800)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Varnish answered from its cache: `X-Varnish` carries this request's id and the stored object's. */
export const isHit = (res: Response) => (res.headers.get('x-varnish') ?? '').trim().split(/\s+/).length === 2;
