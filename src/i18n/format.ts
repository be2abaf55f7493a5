import type { Lang, PluralForms } from './messages.js';
import { instant } from '../shared/time.js';

export type DateStyle = 'gregorian' | 'hijri' | 'both';
export type Digits = 'latin' | 'arabic';

export interface LocaleOptions {
  lang: Lang;
  dateStyle: DateStyle;
  digits: Digits;
  timeZone: string;
}

/**
 * Formatters for one site configuration, built once and reused: creating
 * `Intl` objects is far slower than calling them.
 */
export class Formatter {
  private readonly pluralRules: Intl.PluralRules;
  private readonly number: Intl.NumberFormat;
  private readonly digitsOnly: Intl.NumberFormat;
  private readonly gregorian: Intl.DateTimeFormat;
  private readonly hijri: Intl.DateTimeFormat;
  private readonly isoDay: Intl.DateTimeFormat;
  private readonly clock: Intl.DateTimeFormat;
  /** Date lines already made: the same few hundred times (the lists beside every page) come back all day. */
  private readonly dateLines = new Map<string, string>();
  private todayLine: { minute: string; line: string } | undefined;

  constructor(readonly options: LocaleOptions) {
    const numberingSystem = options.digits === 'arabic' ? 'arab' : 'latn';
    // ar-EG names the Gregorian months يناير…ديسمبر, the names most Arabic newsrooms print.
    const gregorianLocale = options.lang === 'ar' ? 'ar-EG' : 'en-GB';
    this.pluralRules = new Intl.PluralRules(options.lang);
    this.number = new Intl.NumberFormat(options.lang, { numberingSystem });
    this.digitsOnly = new Intl.NumberFormat(options.lang, { numberingSystem, useGrouping: false });
    this.gregorian = new Intl.DateTimeFormat(gregorianLocale, {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: options.timeZone,
      numberingSystem,
      calendar: 'gregory',
    });
    this.hijri = new Intl.DateTimeFormat(options.lang, {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: options.timeZone,
      numberingSystem,
      calendar: 'islamic-umalqura',
    });
    this.isoDay = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone });
    this.clock = new Intl.DateTimeFormat(gregorianLocale, {
      hour: '2-digit',
      minute: '2-digit',
      timeZone: options.timeZone,
      numberingSystem,
    });
  }

  // Every date method takes a stored time and gives '' for one that is not readable: a bad row shows no date, never a 500.

  /** Hours and minutes in the site's time zone. */
  time(iso: string): string {
    const d = instant(iso);
    return d ? this.clock.format(d) : '';
  }

  /** A number in the site's digits. */
  num(n: number): string {
    return this.number.format(n);
  }

  /** A number without grouping separators (years, page numbers in text). */
  digits(n: number): string {
    return this.digitsOnly.format(n);
  }

  /** Picks the plural form for n and fills `{n}` with n in the site's digits. */
  plural(forms: PluralForms, n: number): string {
    const category = this.pluralRules.select(n);
    const form = forms[category] ?? forms.other;
    return form.replace('{n}', this.num(n));
  }

  /** The date line for a published time: Gregorian, Hijri or both, per settings. */
  date(iso: string): string {
    let line = this.dateLines.get(iso);
    if (line === undefined) {
      line = this.dateLine(iso);
      if (this.dateLines.size >= 5000) this.dateLines.clear();
      this.dateLines.set(iso, line);
    }
    return line;
  }

  private dateLine(iso: string): string {
    const d = instant(iso);
    if (!d) return '';
    switch (this.options.dateStyle) {
      case 'gregorian':
        return this.gregorian.format(d);
      case 'hijri':
        return this.hijri.format(d);
      case 'both':
        return `${this.gregorian.format(d)} - ${this.hijri.format(d)}`;
    }
  }

  /** Today in both calendars, for the masthead; made once a minute. */
  today(): string {
    const minute = new Date().toISOString().slice(0, 16);
    if (this.todayLine?.minute !== minute) {
      const now = `${minute}:00.000Z`;
      this.todayLine = { minute, line: `${this.gregorianDate(now)} · ${this.hijriDate(now)}` };
    }
    return this.todayLine.line;
  }

  gregorianDate(iso: string): string {
    const d = instant(iso);
    return d ? this.gregorian.format(d) : '';
  }

  hijriDate(iso: string): string {
    const d = instant(iso);
    return d ? this.hijri.format(d) : '';
  }

  /** YYYY-MM-DD of the instant in the site's time zone. */
  day(iso: string): string {
    const d = instant(iso);
    return d ? this.isoDay.format(d) : '';
  }
}

/** Average silent reading speed for Arabic news prose, in words per minute. */
export const WORDS_PER_MINUTE = 200;

export function readingMinutes(wordCount: number): number {
  return Math.max(1, Math.round(wordCount / WORDS_PER_MINUTE));
}
