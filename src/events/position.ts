import type { OutboxEvent } from './outbox.js';

/** How long an id below the high-water mark may stay missing before it is given up (a rolled-back write). */
const GAP_PATIENCE_MS = 60_000;
/** A longer run of missing ids is not a commit race (sequences skip after a crash): it is not waited for. */
const LONGEST_GAP = 1000;

/**
 * A reader's place in the outbox. On PostgreSQL two transactions can commit
 * out of id order, so an id below the newest seen may still appear: those ids
 * are remembered as missing and asked for again until they arrive or are
 * clearly rolled back. Shared by every follower and durable consumer.
 */
export class OutboxPosition {
  private readonly missing = new Map<number, number>();

  constructor(public highWater: number) {}

  /** Ids below the high-water mark still worth asking for. */
  missingIds(now = Date.now()): number[] {
    for (const [id, since] of this.missing) if (now - since > GAP_PATIENCE_MS) this.missing.delete(id);
    return [...this.missing.keys()];
  }

  /** Takes in a batch just read (oldest first). */
  advance(events: OutboxEvent[], now = Date.now()): void {
    for (const e of events) {
      this.missing.delete(e.id);
      if (e.id - this.highWater <= LONGEST_GAP)
        for (let id = this.highWater + 1; id < e.id; id++) this.missing.set(id, now);
      if (e.id > this.highWater) this.highWater = e.id;
    }
  }

  /** Every event up to this id has been seen (or given up): the highest id but the first still missing. */
  get applied(): number {
    let lowest = this.highWater + 1;
    for (const id of this.missing.keys()) if (id < lowest) lowest = id;
    return lowest - 1;
  }
}
