import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface RecordedCall {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RecordingServer {
  base: string;
  calls: RecordedCall[];
  /** The next `n` calls are answered with `status` (an outage), then calls succeed again. */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that answers every call as a CDN's API would (200, `{"success":true}`) and keeps it. */
export async function startRecordingServer(): Promise<RecordingServer> {
  const calls: RecordedCall[] = [];
  let failing = 0;
  let failStatus = 503;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (failing > 0) {
        failing--;
        res.writeHead(failStatus, { 'content-type': 'application/json' }).end('{"success":false}');
        return;
      }
      calls.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true,"status":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    calls,
    failNext(n, status = 503) {
      failing = n;
      failStatus = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
