import type { DB } from '../db/database.js';

/**
 * Who runs a job for the whole site. Every process (each worker, each node)
 * asks; one statement decides: the lease is taken if it is free, expired, or
 * already ours, and renewed by asking again before it runs out. If its holder
 * dies, another process takes over once the lease expires.
 */
export class JobLease {
  constructor(
    private readonly db: DB,
    readonly name: string,
    readonly holder: string,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True if this process holds the lease now (taken or renewed). */
  async acquire(): Promise<boolean> {
    const now = new Date(this.now()).toISOString();
    const expires = new Date(this.now() + this.ttlMs).toISOString();
    const row = await this.db
      .insertInto('job_leases')
      .values({ name: this.name, holder: this.holder, expires_at: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder: this.holder, expires_at: expires })
          .where((eb) => eb.or([eb('job_leases.expires_at', '<', now), eb('job_leases.holder', '=', this.holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === this.holder;
  }

  /** Gives the lease up (at shutdown), so another process need not wait for it to expire. */
  async release(): Promise<void> {
    await this.db.deleteFrom('job_leases').where('name', '=', this.name).where('holder', '=', this.holder).execute();
  }
}
