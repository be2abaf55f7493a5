import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Requests Node's HTTP parser refuses before any route sees them: headers or
 * URLs too large (431), raw non-ASCII bytes in the request line (400: clients
 * must percent-encode, and browsers do), timeouts (408). They get a small
 * bilingual page instead of Fastify's JSON, and the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = Buffer.from(
    `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>طلب غير صالح</title></head>` +
      `<body><main><h1>طلب غير صالح</h1><p>لم نستطع قراءة هذا الطلب. تحقق من الرابط وحاول مرة أخرى.</p>` +
      `<p lang="en" dir="ltr">Bad request: the request could not be read. Check the link and try again.</p>` +
      `<p><a href="/">الصفحة الرئيسية</a></p></main></body></html>`,
  );
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/html; charset=utf-8\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(body);
  }
  socket.destroy();
}
