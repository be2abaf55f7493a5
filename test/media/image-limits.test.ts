import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { createStaff, PASSWORD, signIn } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

/** CRC-32 as PNG chunks need it. */
function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([head, typed, crc]);
}

/** A valid PNG header declaring width × height, with `rows` rows of zeros compressed (a decompression bomb). */
function pngDeclaring(width: number, height: number, rows: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc(rows * (width + 1)); // a filter byte and `width` zero pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const dialect of DIALECTS) {
  describe(`decompression bombs are refused from their header (${dialect})`, () => {
    let site: TestSite;
    before(async () => {
      site = await startSite(dialect, { seed: false });
      await createStaff(site);
    });
    after(() => site.close());

    test('a small PNG declaring 100,000 × 100,000 pixels, and one of 16,000 × 16,000 zeros, are refused within a second', async () => {
      const editor = await signIn(site, 'editor@safir.test', PASSWORD);
      for (const [label, bytes] of [
        ['100000×100000', pngDeclaring(100_000, 100_000, 1)],
        ['16000×16000 of zeros', pngDeclaring(16_000, 16_000, 16_000)],
      ] as const) {
        assert.ok(bytes.length < 1_000_000, `${label}: ${bytes.length} bytes on the wire`);
        const form = new FormData();
        form.append('_csrf', editor.csrf);
        form.append('alt', 'قنبلة');
        form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'bomb.png');
        global.gc?.();
        const rssBefore = process.memoryUsage().rss;
        const started = performance.now();
        const res = await fetch(`${site.base}/api/v1/admin/media`, {
          method: 'POST',
          headers: { cookie: editor.cookie, 'x-csrf-token': editor.csrf },
          body: form,
        });
        const ms = performance.now() - started;
        const body = (await res.json()) as { errors: { code: string; message_ar: string }[] };
        const grown = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
        console.log(`${label}: ${res.status} in ${ms.toFixed(0)} ms, RSS +${grown.toFixed(1)} MB`);
        assert.equal(res.status, 413, label);
        assert.equal(body.errors[0]!.code, 'IMAGE_TOO_LARGE');
        assert.match(body.errors[0]!.message_ar, /كبيرة/);
        assert.ok(ms < 1000, `${label} took ${ms} ms`);
        assert.ok(grown < 64, `${label}: the process grew by ${grown} MB`);
      }
      const rows = await site.db.db.selectFrom('media').select('id').execute();
      assert.equal(rows.length, 0, 'nothing stored');
    });

    test('a JPEG cut short is refused as damaged, not stored grey-filled', async () => {
      const editor = await signIn(site, 'editor@safir.test', PASSWORD);
      const noise = Buffer.alloc(600 * 400 * 3);
      for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
      const jpeg = await sharp(noise, { raw: { width: 600, height: 400, channels: 3 } })
        .jpeg()
        .toBuffer();
      const form = new FormData();
      form.append('_csrf', editor.csrf);
      form.append(
        'file',
        new Blob([new Uint8Array(jpeg.subarray(0, jpeg.length >> 1))], { type: 'image/jpeg' }),
        'cut.jpg',
      );
      const res = await fetch(`${site.base}/api/v1/admin/media`, {
        method: 'POST',
        headers: { cookie: editor.cookie, 'x-csrf-token': editor.csrf },
        body: form,
      });
      assert.equal(res.status, 422);
      assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code, 'CORRUPT_IMAGE');
    });
  });
}
