import { execFile } from 'node:child_process';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SiteJob } from './site-jobs.js';

const run = promisify(execFile);

export interface BackupSchedule {
  /** `BACKUP_DIR`: each backup goes into a folder of its own here, named by its time. */
  dir: string;
  /** `BACKUP_EVERY_HOURS`. */
  everyMs: number;
  /** `BACKUP_KEEP`: the newest this many stay; older ones are deleted after a backup succeeds. */
  keep: number;
}

/** Folders this job made: `safir-2026-12-01T03-00-00Z`. Nothing else in BACKUP_DIR is ever touched. */
const NAME = /^safir-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z$/;
const nameAt = (ms: number) => `safir-${new Date(ms).toISOString().slice(0, 19).replaceAll(':', '-')}Z`;
const takenAt = (name: string) => {
  const m = NAME.exec(name);
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`) : 0;
};

/**
 * Backups on a schedule, once for the site (a SiteJob: the lease holder runs it). Each runs `safir backup` as a
 * child process in the background, so that the snapshot and the copying of media never hold a worker's event
 * loop nor the other site jobs (publishing on time); then the oldest backups beyond `keep` are deleted. The
 * schedule follows the newest backup in the folder, so a restart does not take one more. A failed backup
 * removes its partial folder, is logged, and deletes nothing else.
 */
export function scheduledBackups(
  schedule: BackupSchedule,
  /** What the backup reads: this site's database and media store, as the serving process has them. */
  site: { databaseUrl: string; mediaDir: string; mediaStore?: string },
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void },
): SiteJob {
  const dir = resolve(schedule.dir);
  // The command line of this very build: dist/cli.js, or src/cli.ts under tsx (whose loader the workers carry).
  const cli = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../cli.ts' : '../cli.js', import.meta.url));
  let running: Promise<void> | undefined;
  const take = async (name: string) => {
    const target = join(dir, name);
    const started = Date.now();
    // Another node's backup of this very second: not ours to write into, nor to remove.
    if (await stat(target).catch(() => undefined)) return;
    try {
      await run(process.execPath, [...loaderFlags(process.execArgv), cli, 'backup', target], {
        env: {
          ...process.env,
          DATABASE_URL: site.databaseUrl,
          MEDIA_DIR: site.mediaDir,
          MEDIA_STORE: site.mediaStore ?? '',
        },
        timeout: Math.max(schedule.everyMs, 3600_000),
        maxBuffer: 1024 * 1024,
      });
    } catch (err) {
      await rm(target, { recursive: true, force: true }).catch(() => {});
      log.error({ err, backup: target }, 'scheduled backup failed');
      return;
    }
    log.info({ backup: target, ms: Date.now() - started }, 'scheduled backup taken');
    // The new backup stands whatever happens to the old ones.
    await pruneBackups(dir, schedule.keep, schedule.everyMs).then(
      (removed) => removed.length && log.info({ removed }, 'old backups removed'),
      (err: unknown) => log.error({ err }, 'old backups could not be removed'),
    );
  };
  return {
    name: 'backup',
    // Looked at often; taken when the newest backup is older than the schedule says.
    everyMs: Math.min(schedule.everyMs, 60_000),
    async run() {
      if (running) return;
      // The schedule follows complete backups only: one cut short (a killed process) does not count.
      const newest = (await completeBackups(dir)).at(-1);
      if (newest && Date.now() - takenAt(newest) < schedule.everyMs) return;
      running = take(nameAt(Date.now())).finally(() => (running = undefined));
    },
  };
}

/** The job's backups that finished (they have a manifest), oldest first. */
async function completeBackups(dir: string): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => NAME.test(n)).sort();
  const complete: string[] = [];
  for (const n of names) if (await stat(join(dir, n, 'manifest.json')).catch(() => undefined)) complete.push(n);
  return complete;
}

/**
 * Deletes the oldest of the job's complete backups beyond `keep`, and any of its folders left unfinished by a
 * process that died (no manifest, older than one schedule period: no backup still running is that old).
 */
export async function pruneBackups(dir: string, keep: number, periodMs: number): Promise<string[]> {
  const complete = await completeBackups(dir);
  const old = complete.slice(0, Math.max(0, complete.length - keep));
  for (const n of (await readdir(dir)).filter((n) => NAME.test(n) && !complete.includes(n))) {
    const info = await stat(join(dir, n)).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > Math.max(periodMs, 3600_000)) old.push(n);
  }
  for (const n of old) await rm(join(dir, n), { recursive: true, force: true });
  return old;
}

/** The flags that load code (tsx under development and tests), without the rest (a test runner's, say). */
function loaderFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (/^--(import|require|loader)$/.test(flag) && argv[i + 1] !== undefined) out.push(flag, argv[++i]!);
    else if (/^--(import|require|loader)=/.test(flag)) out.push(flag);
  }
  return out;
}
