import type { FastifyBaseLogger } from 'fastify';
import type { PurgeConfig } from '../../config.js';
import type { DB } from '../../db/database.js';
import { CdnPurger } from './cdn.js';
import { PurgeConsumer } from './purge-consumer.js';
import { VarnishPurger } from './varnish.js';

/** One outbox consumer per configured shared cache: each Varnish server and the CDN keep their own cursor. */
export function purgeTargets(config: PurgeConfig, db: DB, log: FastifyBaseLogger): PurgeConsumer[] {
  const targets = [
    ...config.varnish.map((url) => new VarnishPurger(url, config.varnishMode)),
    ...(config.cdn ? [new CdnPurger(config.cdn)] : []),
  ];
  return targets.map((target) => new PurgeConsumer(target, db, log));
}
