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
};

/** Adds `?page=N` for pages after the first. */
export function withPage(path: string, page: number): string {
  return page > 1 ? `${path}?page=${page}` : path;
}
