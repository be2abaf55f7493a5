/** Public URL paths. One place, so that routes, links, feeds and redirects agree. */
const enc = encodeURIComponent;

export const paths = {
  home: () => '/',
  article: (slug: string) => `/article/${enc(slug)}`,
  category: (slug: string) => `/category/${enc(slug)}`,
  tag: (slug: string) => `/tag/${enc(slug)}`,
  author: (slug: string) => `/author/${enc(slug)}`,
  page: (slug: string) => `/${enc(slug)}`,
  media: (path: string) => `/media/${path.split('/').map(enc).join('/')}`,
  /** An archive's feeds (the site's for `/`): RSS at `…/feed`, Atom at `…/feed/atom`, JSON Feed at `…/feed/json`. */
  feeds: (archivePath: string) => {
    const root = archivePath === '/' ? '' : archivePath;
    return { rss: `${root}/feed`, atom: `${root}/feed/atom`, json: `${root}/feed/json` };
  },
  search: (params: Record<string, string | undefined>) => {
    const qs = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => Boolean(e[1])));
    const s = qs.toString();
    return s ? `/search?${s}` : '/search';
  },
};

/** Adds `page=N` to the query for pages after the first. */
export function withPage(path: string, page: number): string {
  if (page <= 1) return path;
  return `${path}${path.includes('?') ? '&' : '?'}page=${page}`;
}
