import { PUBLIC } from '../accounts/http.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../shared/errors.js';
import { Type as T } from 'typebox';
import { AnyQuery, Text } from '../web/schemas.js';
import { isSafeMediaPath, type MediaStore, mediaTypeOf } from './storage/media-store.js';

export interface MediaRouteDeps {
  store: MediaStore;
  /** `MEDIA_PUBLIC_URL`: a CDN or the bucket's own address; `/media/…` then sends readers there. */
  publicUrl?: string;
}

/**
 * Serves stored media from the store (a local folder, or S3 for every node
 * alike). Names are unique per upload, so files are cached for a year. Only
 * image extensions are served; a path Safir would not make is a 404. With a
 * public URL, the same path is a permanent redirect there instead.
 */
export async function mediaRoutes(app: FastifyInstance, { store, publicUrl }: MediaRouteDeps): Promise<void> {
  const schema = { params: T.Object({ '*': Text(1000) }), querystring: AnyQuery };
  const elsewhere = publicUrl?.replace(/\/+$/, '');
  app.get('/media/*', { ...PUBLIC, schema }, async (req: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const rel = req.params['*'];
    const type = mediaTypeOf(rel);
    if (!type || !isSafeMediaPath(rel)) throw notFound('File');
    if (elsewhere)
      return reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .redirect(`${elsewhere}/${rel.split('/').map(encodeURIComponent).join('/')}`, 301);
    const file = await store.get(rel);
    if (!file) throw notFound('File');
    return reply
      .header('content-type', type)
      .header('content-length', file.size)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(file.body);
  });
}
