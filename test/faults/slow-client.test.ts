import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startSite, type TestSite } from '../helpers/server.js';

describe('a client that trickles its request', () => {
  let site: TestSite;
  before(async () => {
    site = await startSite('sqlite', { app: { requestTimeoutMs: 1000 } });
  });
  after(() => site.close());

  test('is answered 408 and cut off once the request timeout passes; others are served meanwhile', async () => {
    const url = new URL(site.base);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((r) => socket.once('connect', r));
    const started = performance.now();
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const closed = new Promise<number>((r) => socket.once('close', () => r(performance.now() - started)));
    // Headers promise 1,000 bytes; 10 come, then nothing more.
    socket.write(
      'POST /api/v1/search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"q": "ab',
    );
    assert.equal((await fetch(site.base + '/')).status, 200, 'another reader is served meanwhile');
    const ms = await closed;
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(ms < 3000, `cut off after ${ms.toFixed(0)} ms`);
  });
});
