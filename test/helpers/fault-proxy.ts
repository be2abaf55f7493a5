import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * How the proxy treats traffic: `pass` forwards it; `refuse` cuts every connection and refuses new ones (a
 * server that is down); `freeze` holds every byte in both directions, as a server stopped with SIGSTOP would
 * (connections stay open, nothing answers); `slow` delays every chunk by `delayMs`.
 */
export type FaultMode = 'pass' | 'refuse' | 'freeze' | 'slow';

export interface FaultProxy {
  port: number;
  /** `url` (a PostgreSQL URL) pointed at the proxy instead. */
  via(url: string): string;
  set(mode: FaultMode, delayMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Direction {
  to: Socket;
  held: Buffer[];
  /** When the last delayed chunk goes out: later chunks go after it, in order. */
  busyUntil: number;
}

/**
 * A TCP proxy on loopback between Safir and a server (PostgreSQL), so that a test can make the server
 * unreachable, frozen or slow without touching the machine's real server.
 */
export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let delayMs = 0;
  const pairs = new Set<{ client: Socket; upstream: Socket; directions: Direction[] }>();
  let server: Server;
  let port = 0;

  const send = (d: Direction, chunk: Buffer) => {
    if (mode === 'freeze') return void d.held.push(chunk);
    if (mode === 'slow') {
      const at = Math.max(Date.now() + delayMs, d.busyUntil);
      d.busyUntil = at;
      setTimeout(() => d.to.destroyed || d.to.write(chunk), at - Date.now());
      return;
    }
    d.to.write(chunk);
  };

  const accept = (client: Socket) => {
    if (mode === 'refuse') return client.destroy();
    const upstream = connect(targetPort, targetHost);
    const toUpstream: Direction = { to: upstream, held: [], busyUntil: 0 };
    const toClient: Direction = { to: client, held: [], busyUntil: 0 };
    const pair = { client, upstream, directions: [toUpstream, toClient] };
    pairs.add(pair);
    client.on('data', (chunk) => send(toUpstream, chunk));
    upstream.on('data', (chunk) => send(toClient, chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(accept);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        port = typeof address === 'object' && address ? address.port : port;
        resolve();
      });
    });
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));

  await listen();
  return {
    get port() {
      return port;
    },
    via(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async set(next: FaultMode, ms = 0) {
      const was = mode;
      mode = next;
      delayMs = ms;
      if (next === 'refuse') {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
        pairs.clear();
        if (was !== 'refuse') await stopListening();
      } else {
        if (was === 'refuse') await listen();
        // Thawed: what was held goes out now, in order.
        for (const p of pairs)
          for (const d of p.directions) {
            const held = d.held.splice(0);
            for (const chunk of held) send(d, chunk);
          }
      }
    },
    async close() {
      mode = 'refuse';
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await stopListening().catch(() => {});
    },
  };
}
