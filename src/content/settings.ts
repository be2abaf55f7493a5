import type { DB } from '../db/database.js';
import type { DateStyle, Digits } from '../i18n/format.js';
import type { Lang } from '../i18n/messages.js';
import { emit } from '../events/outbox.js';
import { CacheKeys } from '../delivery/cache-keys.js';

export interface SiteSettings {
  title: string;
  tagline: string;
  lang: Lang;
  direction: 'rtl' | 'ltr';
  dateStyle: DateStyle;
  digits: Digits;
  timeZone: string;
  /** `{year}` is replaced by the current year. */
  copyright: string;
  credit: string;
  postsPerPage: number;
  /** The largest image upload accepted, in megabytes. */
  uploadMaxMb: number;
  /** Library image shown in the masthead instead of the title text; 0 for none. */
  logoMediaId: number;
  /** Feeds carry each article's full text (true) or only its excerpt. */
  feedFullText: boolean;
  /** Extra lines for robots.txt (the sitemap line and the admin's Disallow are always there). */
  robotsTxt: string;
  commentsEnabled: boolean;
  /** Comments close this many days after publication; 0 keeps them open. */
  commentsCloseAfterDays: number;
  /** How deep replies nest. */
  commentDepth: number;
  commentOrder: 'oldest' | 'newest';
  /** Top-level threads per page of comments. */
  commentsPerPage: number;
  /** Hold every comment, only a first-time commenter's, or none. */
  commentModeration: 'all' | 'first' | 'none';
  /** A comment with more links than this waits for moderation. */
  commentMaxLinks: number;
  /** One per line: words, emails or IP ranges (CIDR) that send a comment to moderation. */
  commentHoldList: string;
  /** The same, sending a comment straight to spam. */
  commentSpamList: string;
}

export const DEFAULT_SETTINGS: SiteSettings = {
  title: 'مجلة السفير',
  tagline: 'أخبار العالم العربي والدولي بعمق ووضوح',
  lang: 'ar',
  direction: 'rtl',
  dateStyle: 'both',
  digits: 'latin',
  timeZone: 'Asia/Riyadh',
  copyright: 'جميع الحقوق محفوظة © {year} مجلة السفير',
  credit: 'يعمل بنظام سفير للنشر',
  postsPerPage: 12,
  uploadMaxMb: 10,
  logoMediaId: 0,
  feedFullText: true,
  robotsTxt: '',
  commentsEnabled: true,
  commentsCloseAfterDays: 0,
  commentDepth: 3,
  commentOrder: 'oldest',
  commentsPerPage: 50,
  commentModeration: 'first',
  commentMaxLinks: 2,
  commentHoldList: '',
  commentSpamList: '',
};

type Validator<T> = (value: unknown) => value is T;
const isString = (v: unknown): v is string => typeof v === 'string' && v.length <= 2000;
const oneOf =
  <T extends string>(...allowed: T[]): Validator<T> =>
  (v: unknown): v is T =>
    typeof v === 'string' && (allowed as string[]).includes(v);
const isTimeZone = (v: unknown): v is string => {
  if (typeof v !== 'string') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: v });
    return true;
  } catch {
    return false;
  }
};
const isPageSize = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100;

const VALIDATORS: { [K in keyof SiteSettings]: Validator<SiteSettings[K]> } = {
  title: isString,
  tagline: isString,
  lang: oneOf('ar', 'en'),
  direction: oneOf('rtl', 'ltr'),
  dateStyle: oneOf('gregorian', 'hijri', 'both'),
  digits: oneOf('latin', 'arabic'),
  timeZone: isTimeZone,
  copyright: isString,
  credit: isString,
  postsPerPage: isPageSize,
  uploadMaxMb: (v): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 200,
  logoMediaId: (v): v is number => Number.isInteger(v) && (v as number) >= 0,
  feedFullText: (v): v is boolean => typeof v === 'boolean',
  robotsTxt: (v): v is string => typeof v === 'string' && v.length <= 5000 && !/[<>]/.test(v),
  commentsEnabled: (v): v is boolean => typeof v === 'boolean',
  commentsCloseAfterDays: (v): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 3650,
  commentDepth: (v): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 10,
  commentOrder: oneOf('oldest', 'newest'),
  commentsPerPage: (v): v is number => Number.isInteger(v) && (v as number) >= 5 && (v as number) <= 500,
  commentModeration: oneOf('all', 'first', 'none'),
  commentMaxLinks: (v): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100,
  commentHoldList: (v): v is string => typeof v === 'string' && v.length <= 20000,
  commentSpamList: (v): v is string => typeof v === 'string' && v.length <= 20000,
};

export class InvalidSettingError extends Error {
  readonly code = 'INVALID_SETTING';
  constructor(readonly key: string) {
    super(`Invalid value for setting "${key}"`);
  }
}

/**
 * Site settings: one row per key, JSON values, merged over the defaults.
 * Reads always go to the database; `SiteContext` keeps the copy pages use.
 */
export class SettingsStore {
  constructor(private readonly db: DB) {}

  async get(): Promise<SiteSettings> {
    const rows = await this.db.selectFrom('settings').select(['key', 'value']).execute();
    const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const { key, value } of rows) {
      if (!(key in VALIDATORS)) continue;
      try {
        const parsed: unknown = JSON.parse(value);
        if (VALIDATORS[key as keyof SiteSettings](parsed)) merged[key] = parsed;
      } catch {
        // A corrupt row falls back to the default rather than taking the site down.
      }
    }
    return merged as unknown as SiteSettings;
  }

  async update(changes: Partial<SiteSettings>): Promise<SiteSettings> {
    for (const [key, value] of Object.entries(changes)) {
      const validate = VALIDATORS[key as keyof SiteSettings];
      if (!validate || !validate(value)) throw new InvalidSettingError(key);
    }
    await this.db.transaction().execute(async (trx) => {
      for (const [key, value] of Object.entries(changes)) {
        const json = JSON.stringify(value);
        await trx
          .insertInto('settings')
          .values({ key, value: json })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: json }))
          .execute();
      }
      await emit(trx, { type: 'site.changed', keys: [CacheKeys.site] });
    });
    return this.get();
  }
}
