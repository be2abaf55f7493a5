import { lookup } from '../shared/lookup.js';
import { PUBLIC } from '../accounts/http.js';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../shared/errors.js';
import { Type as T } from 'typebox';
import { AnyQuery, Text } from '../web/schemas.js';

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
};

/**
 * Serves stored media below `mediaRoot`. Names are unique per upload, so files
 * are cached for a year. Only image extensions are served, and a path that
 * resolves outside the root is a 404.
 */
export async function mediaRoutes(app: FastifyInstance, { mediaRoot }: { mediaRoot: string }): Promise<void> {
  const root = resolve(mediaRoot);
  const schema = { params: T.Object({ '*': Text(1000) }), querystring: AnyQuery };
  app.get('/media/*', { ...PUBLIC, schema }, async (req: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const rel = req.params['*'];
    const type = lookup(TYPES, extname(rel).toLowerCase());
    if (!type || rel.includes('\0') || rel.split('/').some((seg) => seg === '..' || seg === '')) throw notFound('File');
    const file = resolve(root, rel);
    if (!file.startsWith(root + sep)) throw notFound('File');
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw notFound('File');
    return reply
      .header('content-type', type)
      .header('content-length', info.size)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(createReadStream(file));
  });
}
