/**
 * The site's public address, the one origin every absolute link Safir writes
 * starts with: canonical links, Open Graph, JSON-LD, feeds, sitemaps, API
 * `url` fields and links in mail. It comes from `SITE_URL`; a request's Host
 * header never enters a link (anyone can send any Host). Without `SITE_URL`
 * the site names itself by the address it listens on, which is right for a
 * machine of one's own and harmless elsewhere; but in production (NODE_ENV=
 * production) mails with links are refused until `SITE_URL` is set, since a
 * link to the wrong host in someone's inbox is how accounts get phished.
 */
export class SiteUrl {
  private listening: string | undefined;

  constructor(
    /** `SITE_URL` as configured (an origin, no trailing slash), or undefined. */
    readonly configured: string | undefined,
    private readonly production = false,
  ) {}

  /** `https://example.com`: scheme, host and port, no trailing slash. */
  get origin(): string {
    return this.configured ?? this.listening ?? 'http://localhost';
  }

  /** Called once the server listens, for the fallback address. */
  listeningOn(host: string, port: number): void {
    const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    this.listening = `http://${name}:${port}`;
  }

  /** The origin for links in mail, or undefined when mail with links must not be sent (production without SITE_URL). */
  get mailOrigin(): string | undefined {
    return this.configured || !this.production ? this.origin : undefined;
  }

  /** Why mails with links are not sent, for the admin and the log; undefined when they are. */
  get problem(): { ar: string; en: string } | undefined {
    return this.mailOrigin
      ? undefined
      : {
          ar: 'لم يُضبط عنوان الموقع (SITE_URL)، فلن يرسل سفير رسائل فيها روابط (إعادة تعيين كلمة المرور، إشعارات التعليقات) حتى يُضبط.',
          en: 'SITE_URL is not set, so Safir sends no mail with links (password resets, comment notifications) until it is.',
        };
  }
}

/** Reads `SITE_URL`: an http(s) origin, optionally with a trailing slash; anything else is a configuration error. */
export function parseSiteUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`SITE_URL must be an address such as https://news.example, got "${text}"`);
  }
  if (!/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash || url.pathname !== '/')
    throw new Error(`SITE_URL must be an http(s) origin without a path, such as https://news.example, got "${text}"`);
  return url.origin;
}
