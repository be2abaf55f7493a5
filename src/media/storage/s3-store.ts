import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { isSafeMediaPath, type MediaStore, type StoredFile } from './media-store.js';

/** The AWS SDK, loaded only when media live in S3: a site on local disk never pays its memory. */
const sdk = () => import('@aws-sdk/client-s3');

export interface S3Location {
  bucket: string;
  /** Prepended to every path, without a trailing slash ('' for the bucket's root). */
  prefix: string;
}

/** `s3://bucket/prefix` → its parts; undefined for anything else. */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) return undefined;
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix && !isSafeMediaPath(prefix)) return undefined;
  return { bucket: m[1]!, prefix };
}

/**
 * Media in an S3-compatible bucket, shared by every node: Amazon S3, or any
 * server that speaks its protocol (`AWS_ENDPOINT_URL_S3`, path-style). The
 * SDK reads the standard AWS_REGION / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 * Objects carry their content type and a year-long immutable Cache-Control,
 * so a CDN in front of the bucket (MEDIA_PUBLIC_URL) can serve them as they are.
 */
export class S3MediaStore implements MediaStore {
  readonly kind = 's3';
  readonly location: string;

  private constructor(
    private readonly client: S3Client,
    private readonly where: S3Location,
  ) {
    this.location = `s3://${where.bucket}${where.prefix ? `/${where.prefix}` : ''}`;
  }

  static async open(where: S3Location, env: NodeJS.ProcessEnv = process.env): Promise<S3MediaStore> {
    const { S3Client } = await sdk();
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
    const client = new S3Client({
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
      endpoint,
      // S3-compatible servers (MinIO, Ceph, s3rver) are reached by path; Amazon's own endpoint by host.
      forcePathStyle: Boolean(endpoint) && env.AWS_S3_FORCE_PATH_STYLE !== 'false',
      // Checksums only where S3 requires them: several S3-compatible servers do not accept the newer trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    return new S3MediaStore(client, where);
  }

  private key(path: string): string {
    if (!isSafeMediaPath(path)) throw new Error(`not a media path: ${path}`);
    return this.where.prefix ? `${this.where.prefix}/${path}` : path;
  }

  async put(path: string, data: Buffer, contentType: string): Promise<void> {
    const { PutObjectCommand } = await sdk();
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.where.bucket,
        Key: this.key(path),
        Body: data,
        ContentType: contentType,
        CacheControl: 'public, max-age=31536000, immutable',
      }),
    );
  }

  async get(path: string): Promise<StoredFile | undefined> {
    if (!isSafeMediaPath(path)) return undefined;
    const { GetObjectCommand } = await sdk();
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(path) }));
      return { body: res.Body as Readable, size: Number(res.ContentLength ?? 0) };
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  }

  async size(path: string): Promise<number | undefined> {
    if (!isSafeMediaPath(path)) return undefined;
    const { HeadObjectCommand } = await sdk();
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.where.bucket, Key: this.key(path) }));
      return Number(res.ContentLength ?? 0);
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  }

  async delete(paths: string[]): Promise<void> {
    const { DeleteObjectsCommand } = await sdk();
    // S3 takes at most 1,000 keys a request.
    for (let i = 0; i < paths.length; i += 1000) {
      const batch = paths.slice(i, i + 1000).filter(isSafeMediaPath);
      if (!batch.length) continue;
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.where.bucket,
          Delete: { Objects: batch.map((p) => ({ Key: this.key(p) })), Quiet: true },
        }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) throw new Error(`S3 could not delete ${failed.map((e) => `${e.Key} (${e.Code})`).join(', ')}`);
    }
  }

  async *list(): AsyncIterable<string> {
    const { ListObjectsV2Command } = await sdk();
    const prefix = this.where.prefix ? `${this.where.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.where.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) yield o.Key.slice(prefix.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function missing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
