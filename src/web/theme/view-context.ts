import type { SiteSettings } from '../../content/settings.js';
import type { CategoryRef, Image } from '../../content/types.js';
import { Formatter } from '../../i18n/format.js';
import { type Messages, messagesFor } from '../../i18n/messages.js';
import type { ThemeAssets } from './assets.js';

/** What every template may use besides its own data. Built once per settings version, not per request. */
export interface ViewContext {
  site: SiteSettings;
  /** The site's public origin (SITE_URL) for absolute links; never taken from a request. */
  origin: string;
  t: Messages;
  fmt: Formatter;
  assets: ThemeAssets;
  /** Top-level sections for the main menu. */
  nav: CategoryRef[];
  /** Static pages for the footer. */
  pages: { slug: string; title: string }[];
  /** The masthead logo, when the site has one. */
  logo: Image | null;
}

export function buildViewContext(
  site: SiteSettings,
  assets: ThemeAssets,
  nav: CategoryRef[],
  pages: { slug: string; title: string }[],
  logo: Image | null = null,
  origin = 'http://localhost',
): ViewContext {
  return {
    site,
    origin,
    t: messagesFor(site.lang),
    fmt: new Formatter({ lang: site.lang, dateStyle: site.dateStyle, digits: site.digits, timeZone: site.timeZone }),
    assets,
    nav,
    pages,
    logo,
  };
}
