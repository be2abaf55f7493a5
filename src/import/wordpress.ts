import { rebuildListStats } from '../content/list-stats.js';
import { rebuildSitemapPages } from '../feeds/sitemap-pages.js';
import { lookup } from '../shared/lookup.js';
import { emit } from '../events/outbox.js';
import { CacheKeys } from '../delivery/cache-keys.js';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { SaxesParser } from 'saxes';
import { keyedHash } from '../accounts/secret.js';
import { recountComments } from '../comments/service.js';
import { articlePasswordHash } from '../content/protection.js';
import { wordpressQueryKey } from './wordpress-addresses.js';
import { removeDemo, untouchedDemo } from '../content/demo/seed.js';
import { hashOf, type ImportDecision, ImportRecords, SKIP_REASONS } from './import-records.js';
import { addRedirect, ensureCategory, ensureTags, saveArticle, savePage } from '../content/service.js';
import { slugify, uniqueSlug } from '../content/slug.js';
import { paths } from '../content/urls.js';
import type { DB } from '../db/database.js';
import type { ArticleStatus, CommentStatus, Schema } from '../db/schema.js';
import type { Transaction } from 'kysely';
import { storeImage } from '../media/images.js';
import { asMediaStore, type MediaStore } from '../media/storage/index.js';
import { canonicalPath } from '../shared/query.js';
import {
  cleanWordPressHtml,
  originalUpload,
  unknownShortcodes,
  uploadPath,
  type WordPressAttachment,
} from './wordpress-content.js';

/**
 * `safir import wordpress export.xml [--uploads DIR]`: a WordPress eXtended
 * RSS (WXR 1.1/1.2) export, streamed (one item in memory at a time), in one
 * transaction: a problem anywhere leaves the site as it was. Items are keyed
 * by their WordPress ids, so running it again updates rather than duplicates.
 */
export interface WordPressImportOptions {
  /** Where imported images go (a store, or a media folder). */
  media: MediaStore | string;
  uploadsDir?: string;
  secret: Buffer;
  onProgress?: (p: { done: number; total: number }) => void;
  /** Do everything, report it, and keep nothing: the transaction is rolled back and written files removed. */
  dryRun?: boolean;
  /** Stops the import (Ctrl-C): nothing is kept, as for a refused file. */
  signal?: AbortSignal;
}

export interface WordPressReport {
  authors: number;
  categories: number;
  tags: number;
  posts: { created: number; updated: number };
  /** Posts kept behind their WordPress password (content/protection.ts). */
  protectedPosts: number;
  /** Items the same at the source as at the last import: left alone. */
  unchanged: number;
  /** The untouched demo content of a fresh install was removed first (content/demo/seed.ts). */
  demoRemoved: boolean;
  pages: number;
  comments: number;
  images: number;
  redirects: number;
  /** Every old address and where it goes now, as recorded (old path or query address, new path). */
  urlMap: [string, string][];
  /** Nothing was kept (`dryRun`). */
  dryRun: boolean;
  /** Items not imported on purpose (menus, revisions, trash), with why. */
  skipped: { line: number; reason: string }[];
  /** Shortcodes nothing converted, left in the text for the newsroom to see, with the WordPress ids of their posts. */
  unknownShortcodes: { name: string; posts: string[] }[];
  /** Images that could not be found; their original URLs are kept. */
  missingImages: string[];
  ms: number;
}

/** Ends a dry run's transaction: thrown once everything is done, so that the database rolls all of it back. */
class DryRunDone extends Error {}

export class WordPressImportError extends Error {
  constructor(readonly problems: { line: number; reason: string }[]) {
    super(`The WordPress export was not imported:\n${problems.map((p) => `  line ${p.line}: ${p.reason}`).join('\n')}`);
  }
}

interface Node {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: Node[];
  line: number;
}

const child = (n: Node, name: string) => n.children.find((c) => c.name === name);
const textOf = (n: Node, name: string) => child(n, name)?.text.trim() ?? '';

const STATUS: Record<string, ArticleStatus | undefined> = {
  publish: 'published',
  draft: 'draft',
  pending: 'pending',
  future: 'scheduled',
  private: 'draft',
};
const COMMENT_STATUS: Record<string, CommentStatus> = { '1': 'approved', '0': 'pending', spam: 'spam', trash: 'trash' };

function gmt(value: string): string | null {
  if (!value || value.startsWith('0000')) return null;
  const d = new Date(`${value.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function decodeSlug(slug: string): string {
  try {
    return decodeURIComponent(slug);
  } catch {
    return slug;
  }
}

export async function importWordPress(db: DB, file: string, opts: WordPressImportOptions): Promise<WordPressReport> {
  const started = performance.now();
  const total = (await stat(file)).size;
  const report: WordPressReport = {
    authors: 0,
    categories: 0,
    tags: 0,
    posts: { created: 0, updated: 0 },
    protectedPosts: 0,
    demoRemoved: false,
    unchanged: 0,
    unknownShortcodes: [],
    pages: 0,
    comments: 0,
    images: 0,
    redirects: 0,
    urlMap: [],
    dryRun: Boolean(opts.dryRun),
    skipped: [],
    missingImages: [],
    ms: 0,
  };
  const problems: { line: number; reason: string }[] = [];
  const writtenFiles: string[] = [];
  const uploads = opts.uploadsDir ? resolve(opts.uploadsDir) : undefined;

  let demoFiles: string[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      // A fresh install's demo, untouched, gives way to the magazine moving in; a site in use is never touched.
      const demo = await untouchedDemo(trx);
      if (demo) {
        demoFiles = await removeDemo(trx, demo);
        report.demoRemoved = true;
      }
      const authors = new Map<string, number>();
      /** WordPress section nicenames to sections here; undefined for one the newsroom deleted since an import. */
      const categories = new Map<string, number | undefined>();
      /** Tags the newsroom deleted since an earlier import: not made again for a post. */
      const droppedTags = new Set<string>();
      const pendingCategories: Node[] = [];
      const attachments = new Map<string, { rel?: string; alt: string; line: number; link: string }>();
      const records = new ImportRecords(trx);
      /** Ctrl-C (or SIGTERM) ends the import here, rolled back, files removed: even at 100 %, before it commits. */
      const stopIfAsked = () => {
        if (opts.signal?.aborted)
          throw new WordPressImportError([{ line: 0, reason: 'stopped before the end: nothing was kept' }]);
      };
      /** Posts and pages written by this import, recorded at its end (their featured images come last). */
      const toRecord: { sourceId: string; sourceHash: string; id: number; state: typeof articleState }[] = [];
      /** An item the merge leaves as Safir has it: counted, or listed in the report with why. */
      const skip = (line: number, what: string, decision: ImportDecision) => {
        if (decision === 'unchanged') report.unchanged++;
        else report.skipped.push({ line, reason: `${what}: ${SKIP_REASONS[decision]}` });
      };
      /** The attachments met so far, as `[gallery]` shortcodes name them. */
      const galleryImages = new Map<string, WordPressAttachment>();
      const featured: { articleId: number; attachmentId: string; line: number }[] = [];
      const seenIds = new Map<string, number>();
      const imported = new Map<string, { id: number; path: string }>();

      /** Brings one upload into the media library (once per file), or reports it missing. */
      async function image(rel: string, alt: string, url: string): Promise<{ id: number; path: string } | undefined> {
        stopIfAsked();
        const original = originalUpload(rel);
        const key = `wp:file:${original}`;
        const known =
          imported.get(key) ??
          (await trx.selectFrom('media').select(['id', 'path']).where('source_id', '=', key).executeTakeFirst());
        if (known) {
          imported.set(key, known);
          return known;
        }
        const candidates = uploads
          ? [original, rel].map((r) => resolve(uploads, r)).filter((p) => p.startsWith(uploads + sep))
          : [];
        const found = candidates.find((p) => existsSync(p));
        if (!found) {
          if (!report.missingImages.includes(url)) report.missingImages.push(url);
          return undefined;
        }
        const stored = await storeImage(trx, opts.media, await readFile(found), {
          name: original.split('/').pop() ?? 'image',
          alt,
        });
        await trx.updateTable('media').set({ source_id: key }).where('id', '=', stored.id).execute();
        const row = await trx
          .selectFrom('media')
          .select(['path', 'variants'])
          .where('id', '=', stored.id)
          .executeTakeFirstOrThrow();
        writtenFiles.push(row.path, ...(JSON.parse(row.variants) as { path: string }[]).map((v) => v.path));
        const media = { id: stored.id, path: row.path };
        imported.set(key, media);
        report.images++;
        return media;
      }

      async function rewriteImages(html: string): Promise<string> {
        let out = html;
        for (const m of html.matchAll(/<img\b[^>]*>/gi)) {
          const tag = m[0];
          const src = /\ssrc=["']([^"']+)["']/i.exec(tag)?.[1];
          const rel = src ? uploadPath(src) : undefined;
          if (!src || !rel) continue;
          const alt = /\salt=["']([^"']*)["']/i.exec(tag)?.[1] ?? '';
          const media = await image(rel, alt, src);
          if (!media) continue;
          const cleaned = tag
            .replace(/\s(srcset|sizes|class|width|height)=["'][^"']*["']/gi, '')
            .replace(src, paths.media(media.path));
          out = out.replace(tag, cleaned);
        }
        return out;
      }

      async function addOldLink(link: string, to: string): Promise<void> {
        let path: string | undefined;
        try {
          path = canonicalPath(new URL(link).pathname);
        } catch {
          path = undefined;
        }
        if (!path || path === '/' || path === canonicalPath(to)) return;
        await addRedirect(trx, path, to);
        report.redirects++;
        report.urlMap.push([path, to]);
      }

      /** WordPress's query address of an item (`/?p=11`) goes where the item now lives. */
      async function addQueryLink(key: Parameters<typeof wordpressQueryKey>[0], value: string, to: string) {
        if (!value) return;
        await addRedirect(trx, wordpressQueryKey(key, value), to);
        report.redirects++;
        report.urlMap.push([wordpressQueryKey(key, value), to]);
      }

      async function authorFor(login: string, line: number): Promise<number | undefined> {
        const id = authors.get(login);
        if (id === undefined)
          problems.push({ line, reason: `unknown author "${login}" (not among the export's wp:author entries)` });
        return id;
      }

      async function handleChannelNode(n: Node): Promise<void> {
        if (n.name === 'wp:author') {
          const login = textOf(n, 'wp:author_login');
          const name = textOf(n, 'wp:author_display_name') || login;
          const base = slugify(login) || slugify(name) || 'author';
          // The profile an earlier import made, even renamed since; else one with this slug, else a new one.
          const sourceId = `wp:author:${login}`;
          const before = await records.madeBefore(sourceId, 'authors');
          const kept = typeof before === 'number' ? before : undefined; // a deleted one is made again: posts need one
          const existing =
            kept ?? (await trx.selectFrom('authors').select('id').where('slug', '=', base).executeTakeFirst())?.id;
          const id =
            existing ??
            (
              await trx
                .insertInto('authors')
                .values({
                  slug: await uniqueSlug(base, async (s) =>
                    Boolean(await trx.selectFrom('authors').select('id').where('slug', '=', s).executeTakeFirst()),
                  ),
                  name,
                  bio: '',
                  created_at: new Date().toISOString(),
                })
                .returning('id')
                .executeTakeFirstOrThrow()
            ).id;
          if (kept === undefined) await records.follow(sourceId, id);
          authors.set(login, id);
          report.authors++;
          const { slug } = await trx
            .selectFrom('authors')
            .select('slug')
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          await addQueryLink('author', textOf(n, 'wp:author_id'), paths.author(slug));
        } else if (n.name === 'wp:category') {
          pendingCategories.push(n);
        } else if (n.name === 'wp:tag') {
          const name = textOf(n, 'wp:tag_name');
          if (name) {
            // A tag the newsroom deleted (or merged) since the last import is not made again.
            const sourceId = `wp:tag:${textOf(n, 'wp:term_id') || name}`;
            const before = await records.madeBefore(sourceId, 'tags');
            if (before === 'deleted') {
              droppedTags.add(name);
              return;
            }
            const tagId = before ?? (await ensureTags(trx, [name]))[0]!;
            if (before === undefined) await records.follow(sourceId, tagId);
            report.tags++;
            const tag = await trx.selectFrom('tags').select('slug').where('id', '=', tagId).executeTakeFirstOrThrow();
            await addQueryLink('tag', decodeSlug(textOf(n, 'wp:tag_slug')), paths.tag(tag.slug));
          }
        }
      }

      /** Categories come parent first in WordPress exports, but not always: settle them once all are known. */
      async function settleCategories(): Promise<void> {
        const byNicename = new Map(pendingCategories.map((n) => [decodeSlug(textOf(n, 'wp:category_nicename')), n]));
        const make = async (nicename: string, depth = 0): Promise<number | undefined> => {
          if (categories.has(nicename)) return categories.get(nicename);
          const n = byNicename.get(nicename)!;
          // A section an earlier import made stays as the newsroom has it now (renamed, moved); one it deleted
          // is not made again (its posts keep their section, or go to the default one when new).
          const sourceId = `wp:category:${textOf(n, 'wp:term_id') || nicename}`;
          const before = await records.madeBefore(sourceId, 'categories');
          if (before === 'deleted') {
            categories.set(nicename, undefined);
            return undefined;
          }
          let id = before;
          if (id === undefined) {
            const parentName = decodeSlug(textOf(n, 'wp:category_parent'));
            const parentId =
              parentName && byNicename.has(parentName) && depth < 20
                ? ((await make(parentName, depth + 1)) ?? null)
                : null;
            id = await ensureCategory(trx, {
              name: textOf(n, 'wp:cat_name') || nicename,
              slug: slugify(nicename) || undefined,
              parentId,
              description: textOf(n, 'wp:category_description'),
            });
            await trx.updateTable('categories').set({ parent_id: parentId }).where('id', '=', id).execute();
            await records.follow(sourceId, id);
          }
          categories.set(nicename, id);
          report.categories++;
          const { slug } = await trx
            .selectFrom('categories')
            .select('slug')
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          await addQueryLink('cat', textOf(n, 'wp:term_id'), paths.category(slug));
          return id;
        };
        for (const name of byNicename.keys()) await make(name);
        pendingCategories.length = 0;
      }

      /**
       * The section of a post with WordPress category `cat` (its first): that category's section; for one the
       * newsroom deleted, where the article is now (or the default section for a new one); for a category the
       * export does not declare, one made by its name.
       */
      async function sectionFor(cat: Node | undefined, current: number | undefined): Promise<number> {
        const nicename = cat && decodeSlug(cat.attrs.nicename ?? '');
        if (nicename !== undefined && categories.has(nicename)) {
          const id = categories.get(nicename) ?? current;
          if (id !== undefined) return id;
        } else if (cat) {
          return ensureCategory(trx, {
            name: cat.text.trim() || 'غير مصنف',
            slug: nicename ? slugify(nicename) : 'uncategorized',
          });
        }
        return ensureCategory(trx, { name: 'غير مصنف', slug: 'uncategorized' });
      }

      async function handleItem(n: Node): Promise<void> {
        if (pendingCategories.length) await settleCategories();
        const type = textOf(n, 'wp:post_type');
        const id = textOf(n, 'wp:post_id');
        const status = textOf(n, 'wp:status');
        if (!id) {
          problems.push({ line: n.line, reason: 'an item without wp:post_id' });
          return;
        }
        const seen = seenIds.get(id);
        if (seen !== undefined) {
          problems.push({ line: n.line, reason: `duplicate wp:post_id ${id} (first at line ${seen})` });
          return;
        }
        seenIds.set(id, n.line);
        const meta = new Map(
          n.children
            .filter((c) => c.name === 'wp:postmeta')
            .map((m) => [textOf(m, 'wp:meta_key'), textOf(m, 'wp:meta_value')]),
        );
        if (type === 'attachment') {
          attachments.set(id, {
            rel: meta.get('_wp_attached_file') || uploadPath(textOf(n, 'wp:attachment_url')),
            alt: meta.get('_wp_attachment_image_alt') ?? textOf(n, 'title'),
            line: n.line,
            link: textOf(n, 'link'),
          });
          const url = textOf(n, 'wp:attachment_url');
          if (url)
            galleryImages.set(id, {
              url,
              alt: meta.get('_wp_attachment_image_alt') ?? '',
              parent: textOf(n, 'wp:post_parent'),
            });
          return;
        }
        if (type !== 'post' && type !== 'page') {
          report.skipped.push({ line: n.line, reason: `${type || 'unknown'} item ${id} (not content)` });
          return;
        }
        const mapped = lookup(STATUS, status);
        if (!mapped) {
          report.skipped.push({ line: n.line, reason: `${type} ${id} has status "${status}"` });
          return;
        }
        const title = textOf(n, 'title') || `(${id})`;
        const authorId = await authorFor(textOf(n, 'dc:creator'), n.line);
        const converted = cleanWordPressHtml(child(n, 'content:encoded')?.text ?? '', {
          attachments: galleryImages,
          postId: id,
        });
        /** The body with its images brought into the library: only for what is written (and reported then). */
        const bodyToWrite = async () => {
          for (const name of unknownShortcodes(converted)) {
            const seen = report.unknownShortcodes.find((u) => u.name === name);
            if (seen) seen.posts.push(id);
            else report.unknownShortcodes.push({ name, posts: [id] });
          }
          return rewriteImages(converted);
        };
        const slug = decodeSlug(textOf(n, 'wp:post_name')) || undefined;
        const link = textOf(n, 'link');
        const password = textOf(n, 'wp:post_password');
        // A merge, not an overwrite: what the newsroom changed since the last import stays (import-records.ts).
        const sourceHash = hashOf(itemSource(n));
        if (type === 'page') {
          const sourceId = `wp:page:${id}`;
          let pageId = await trx
            .selectFrom('pages')
            .select('id')
            .where('source_id', '=', sourceId)
            .executeTakeFirst()
            .then((r) => r?.id);
          if (pageId === undefined && !(await records.known(sourceId))) {
            // Imported by an earlier Safir, before pages kept their source: the page of this slug and title.
            const earlier = await trx
              .selectFrom('pages')
              .select('id')
              .where('slug', '=', slug ?? slugify(title))
              .where('title', '=', title)
              .where('source_id', 'is', null)
              .executeTakeFirst();
            if (earlier) {
              await trx.updateTable('pages').set({ source_id: sourceId }).where('id', '=', earlier.id).execute();
              pageId = earlier.id;
            }
          }
          const decision = await records.decide(sourceId, sourceHash, pageId && (await pageState(trx, pageId)));
          if (decision === 'create' || decision === 'update') {
            // Safir's static pages have no password: a protected one must not become public.
            if (password && mapped === 'published')
              report.skipped.push({
                line: n.line,
                reason: `page ${id} is password-protected: imported as a draft (static pages take no password)`,
              });
            // A new page never takes the address of one the newsroom has: it gets a free slug of its own.
            const free =
              decision === 'create'
                ? await uniqueSlug(slugify(slug ?? title) || 'page', async (s) =>
                    Boolean(await trx.selectFrom('pages').select('id').where('slug', '=', s).executeTakeFirst()),
                  )
                : slug;
            pageId = await savePage(trx, {
              id: decision === 'update' ? pageId : undefined,
              title,
              slug: free,
              bodyHtml: await bodyToWrite(),
              status: mapped === 'published' && !password ? 'published' : 'draft',
            });
            await trx.updateTable('pages').set({ source_id: sourceId }).where('id', '=', pageId).execute();
            toRecord.push({ sourceId, sourceHash, id: pageId, state: pageState });
            report.pages++;
          } else {
            skip(n.line, `page ${id}`, decision);
            if (decision === 'earlier')
              await records.record(sourceId, pageId!, sourceHash, await pageState(trx, pageId!));
          }
          if (pageId === undefined) return;
          const page = await trx
            .selectFrom('pages')
            .select(['slug', 'status'])
            .where('id', '=', pageId)
            .executeTakeFirstOrThrow();
          if (link) await addOldLink(link, paths.page(page.slug));
          if (page.status === 'published') await addQueryLink('page_id', id, paths.page(page.slug));
          return;
        }
        if (authorId === undefined) return;
        const sourceId = `wp:${id}`;
        const current = await trx
          .selectFrom('articles')
          .select(['id', 'category_id', 'featured_media_id'])
          .where('source_id', '=', sourceId)
          .executeTakeFirst();
        const decision = await records.decide(sourceId, sourceHash, current && (await articleState(trx, current.id)));
        let articleId = current?.id;
        if (decision === 'create' || decision === 'update') {
          const cats = n.children.filter((c) => c.name === 'category' && c.attrs.domain === 'category');
          const tags = n.children
            .filter((c) => c.name === 'category' && c.attrs.domain === 'post_tag')
            .map((c) => c.text.trim());
          const categoryId = await sectionFor(cats[0], current?.category_id);
          // Safir files an article under one section; further WordPress categories become tags.
          for (const extra of cats.slice(1)) tags.push(extra.text.trim());
          articleId = await saveArticle(
            trx,
            {
              title,
              slug,
              excerpt: child(n, 'excerpt:encoded')?.text.trim() || undefined,
              bodyHtml: await bodyToWrite(),
              status: mapped,
              publishedAt:
                mapped === 'published' || mapped === 'scheduled'
                  ? (gmt(textOf(n, 'wp:post_date_gmt')) ?? gmt(textOf(n, 'wp:post_date')))
                  : null,
              authorId,
              categoryId,
              tagNames: tags.filter((t) => !droppedTags.has(t)),
              // Kept until the export's own featured image is found (below): an export without attachments
              // must not take it away.
              featuredMediaId: current?.featured_media_id ?? null,
              sourceId,
              // WordPress's per-post choices: a closed thread stays closed; a password keeps the post protected.
              commentsOpen: textOf(n, 'wp:comment_status') !== 'closed',
              passwordHash: await articlePasswordHash(password),
            },
            { events: false },
          );
          if (decision === 'update') report.posts.updated++;
          else report.posts.created++;
          if (password) report.protectedPosts++;
          const thumbnail = meta.get('_thumbnail_id');
          if (thumbnail) featured.push({ articleId, attachmentId: thumbnail, line: n.line });
          // Recorded once the whole import is done: the featured image is set after the stream.
          toRecord.push({ sourceId, sourceHash, id: articleId, state: articleState });
        } else {
          skip(n.line, `post ${id}`, decision);
          if (decision === 'earlier')
            await records.record(sourceId, current!.id, sourceHash, await articleState(trx, current!.id));
        }
        if (articleId === undefined) return; // deleted in Safir: its comments and addresses go with it
        const article = await trx
          .selectFrom('articles')
          .select(['slug', 'status'])
          .where('id', '=', articleId)
          .executeTakeFirstOrThrow();
        if (article.status === 'published') {
          if (link) await addOldLink(link, paths.article(article.slug));
          await addQueryLink('p', id, paths.article(article.slug));
        }
        await importComments(n, articleId);
      }

      async function importComments(n: Node, articleId: number): Promise<void> {
        const list = n.children.filter((c) => c.name === 'wp:comment');
        if (!list.length) return;
        const ids = new Map<string, number>();
        const parents: [number, string][] = [];
        for (const c of list) {
          const wpId = textOf(c, 'wp:comment_id');
          const type = textOf(c, 'wp:comment_type');
          if (type === 'pingback' || type === 'trackback') continue;
          const sourceId = `wp:comment:${wpId}`;
          const values = {
            article_id: articleId,
            parent_id: null,
            user_id: null,
            author_name: textOf(c, 'wp:comment_author') || 'مجهول',
            author_email: textOf(c, 'wp:comment_author_email').toLowerCase(),
            author_url: /^https?:\/\//i.test(textOf(c, 'wp:comment_author_url'))
              ? textOf(c, 'wp:comment_author_url')
              : '',
            body: (child(c, 'wp:comment_content')?.text ?? '').replace(/<[^>]+>/g, '').trim(),
            status: lookup(COMMENT_STATUS, textOf(c, 'wp:comment_approved')) ?? 'pending',
            // Addresses are never kept; the keyed hash is what rate limits would use.
            ip_hash: textOf(c, 'wp:comment_author_IP')
              ? keyedHash(opts.secret, 'ip', textOf(c, 'wp:comment_author_IP'))
              : '',
            notify_replies: 0,
            created_at: gmt(textOf(c, 'wp:comment_date_gmt')) ?? new Date().toISOString(),
            source_id: sourceId,
          };
          // Moderation and edits made in Safir since the last import stay (import-records.ts).
          const sourceHash = hashOf(itemSource(c));
          const current = await trx
            .selectFrom('comments')
            .select(['id', 'status', 'body', 'author_name', 'author_url'])
            .where('source_id', '=', sourceId)
            .executeTakeFirst();
          const decision = await records.decide(sourceId, sourceHash, current && commentState(current));
          if (decision !== 'create' && decision !== 'update') {
            skip(c.line, `comment ${wpId}`, decision);
            if (current) ids.set(wpId, current.id);
            if (decision === 'earlier') await records.record(sourceId, current!.id, sourceHash, commentState(current!));
            continue;
          }
          const newId = current
            ? (await trx
                .updateTable('comments')
                .set({ ...values, parent_id: undefined })
                .where('id', '=', current.id)
                .execute(),
              current.id)
            : (await trx.insertInto('comments').values(values).returning('id').executeTakeFirstOrThrow()).id;
          await records.record(sourceId, newId, sourceHash, commentState(values));
          ids.set(wpId, newId);
          const parent = textOf(c, 'wp:comment_parent');
          if (parent && parent !== '0') parents.push([newId, parent]);
          if (!current) report.comments++;
        }
        for (const [commentId, parent] of parents) {
          const parentId = ids.get(parent);
          if (parentId !== undefined)
            await trx.updateTable('comments').set({ parent_id: parentId }).where('id', '=', commentId).execute();
        }
        await recountComments(trx, articleId);
      }

      // ---- the stream ----
      const parser = new SaxesParser({ position: true });
      const stack: Node[] = [];
      const ready: Node[] = [];
      let channelDepth = -1;
      let sawRss = false;
      let parseError: Error | undefined;
      parser.on('opentag', (tag) => {
        const attrs: Record<string, string> = {};
        for (const [k, v] of Object.entries(tag.attributes)) attrs[k] = typeof v === 'string' ? v : v.value;
        const node: Node = { name: tag.name, attrs, text: '', children: [], line: parser.line };
        if (tag.name === 'rss' && stack.length === 0) sawRss = true;
        if (tag.name === 'channel') channelDepth = stack.length;
        const parent = stack.at(-1);
        // Only items and channel-level WordPress records are kept; each is handed over when it closes.
        if (parent && stack.length > channelDepth + 1) parent.children.push(node);
        stack.push(node);
      });
      const onText = (t: string) => {
        const top = stack.at(-1);
        if (top && stack.length > channelDepth + 1) top.text += t;
      };
      parser.on('text', onText);
      parser.on('cdata', onText);
      parser.on('closetag', () => {
        const node = stack.pop()!;
        if (stack.length === channelDepth + 1 && ['item', 'wp:author', 'wp:category', 'wp:tag'].includes(node.name))
          ready.push(node);
      });
      parser.on('error', (err) => {
        parseError ??= err;
      });
      const drain = async () => {
        while (ready.length) {
          const node = ready.shift()!;
          if (node.name === 'item') await handleItem(node);
          else await handleChannelNode(node);
        }
      };
      const notWellFormed = (err: Error) =>
        new WordPressImportError([{ line: parser.line, reason: `not well-formed XML: ${err.message}` }]);
      let done = 0;
      for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
        const text = chunk as string;
        stopIfAsked();
        if (done === 0 && !/^\uFEFF?\s*</.test(text))
          throw new WordPressImportError([{ line: 1, reason: 'not an XML file (it does not start with a tag)' }]);
        done += Buffer.byteLength(text);
        parser.write(text);
        if (parseError) throw notWellFormed(parseError);
        await drain();
        opts.onProgress?.({ done, total });
      }
      parser.close();
      if (parseError) throw notWellFormed(parseError);
      if (!sawRss || channelDepth < 0)
        throw new WordPressImportError([{ line: 1, reason: 'not a WordPress export (no <rss><channel>)' }]);
      await drain();
      if (pendingCategories.length) await settleCategories();
      for (const f of featured) {
        const a = attachments.get(f.attachmentId);
        if (!a?.rel) {
          report.missingImages.push(`attachment ${f.attachmentId} (line ${f.line})`);
          continue;
        }
        const media = await image(a.rel, a.alt, a.rel);
        if (!media) continue;
        await trx.updateTable('articles').set({ featured_media_id: media.id }).where('id', '=', f.articleId).execute();
        // The library's description of the image wins over the alt text of one use of it.
        if (a.alt) await trx.updateTable('media').set({ alt: a.alt }).where('id', '=', media.id).execute();
      }
      // An imported image's attachment page (its link and `/?attachment_id=`) shows the image now.
      for (const [id, a] of attachments) {
        const media = a.rel ? imported.get(`wp:file:${originalUpload(a.rel)}`) : undefined;
        if (!media) continue;
        if (a.link) await addOldLink(a.link, paths.media(media.path));
        await addQueryLink('attachment_id', id, paths.media(media.path));
      }
      if (problems.length) throw new WordPressImportError(problems);
      stopIfAsked();
      for (const r of toRecord) await records.record(r.sourceId, r.id, r.sourceHash, await r.state(trx, r.id));
      await rebuildSitemapPages(trx);
      await rebuildListStats(trx);
      await emit(trx, { type: 'site.changed', keys: [CacheKeys.site], payload: { import: 'wordpress' } });
      if (opts.dryRun) throw new DryRunDone();
    });
  } catch (err) {
    // Nothing was committed; files written for it go too.
    await asMediaStore(opts.media)
      .delete(writtenFiles)
      .catch(() => {}); // the import's own failure (or the dry run's report) is what matters
    if (err instanceof DryRunDone) {
      report.ms = performance.now() - started;
      return report;
    }
    if (err instanceof WordPressImportError) throw err;
    const message = (err as Error).message ?? String(err);
    if (/unclosed|unexpected end|closing tag|not well-formed|entity/i.test(message))
      throw new WordPressImportError([{ line: 0, reason: `not well-formed XML: ${message}` }]);
    throw err;
  }
  // The demo's image files go once the removal of their rows has committed.
  if (demoFiles.length)
    await asMediaStore(opts.media)
      .delete(demoFiles)
      .catch(() => {}); // a file left over costs disk space only
  report.ms = performance.now() - started;
  return report;
}

/** A comment's state as the merge compares it: moderation or an edit in Safir changes it. */
const commentState = (row: { status: string; body: string; author_name: string; author_url: string }) => [
  row.status,
  row.body,
  row.author_name,
  row.author_url,
];

type Q = Transaction<Schema>;

/**
 * An article as the merge compares it: what the newsroom can change (text, address, section, author, tags,
 * image, status, date, comments, password), not the time of the last save nor the scheduler's publishing of
 * a scheduled article, which is WordPress's own decision carried out.
 */
async function articleState(q: Q, id: number): Promise<unknown> {
  const a = await q
    .selectFrom('articles')
    .select([
      'title',
      'slug',
      'excerpt',
      'body_html',
      'status',
      'published_at',
      'category_id',
      'author_id',
      'featured_media_id',
      'comments_open',
      'password_hash',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!a) return undefined;
  const tags = await q
    .selectFrom('article_tags')
    .select('tag_id')
    .where('article_id', '=', id)
    .orderBy('tag_id')
    .execute();
  return { ...a, status: a.status === 'scheduled' ? 'published' : a.status, tags: tags.map((t) => t.tag_id) };
}

/** A static page as the merge compares it. */
async function pageState(q: Q, id: number): Promise<unknown> {
  return q.selectFrom('pages').select(['title', 'slug', 'body_html', 'status']).where('id', '=', id).executeTakeFirst();
}

/**
 * What an item of the export says, as one value to hash: every element but its comments (which are items of
 * their own), in document order.
 */
function itemSource(n: Node): unknown {
  const walk = (node: Node): unknown => [
    node.name,
    node.attrs,
    node.text,
    node.children.filter((c) => c.name !== 'wp:comment' && !volatileMeta(c)).map(walk),
  ];
  return walk(n);
}

/** Post meta WordPress rewrites when someone merely opens or shows a post (`_edit_lock`, oEmbed caches, …). */
function volatileMeta(node: Node): boolean {
  return node.name === 'wp:postmeta' && !USED_META.has(textOf(node, 'wp:meta_key'));
}
const USED_META = new Set(['_thumbnail_id', '_wp_attached_file', '_wp_attachment_image_alt']);

/** The end-of-import report for people. */
export function formatWordPressReport(r: WordPressReport): string {
  const lines = [
    ...(r.dryRun ? ['Dry run: nothing below was kept.'] : []),
    ...(r.demoRemoved
      ? [`${r.dryRun ? 'Would remove' : 'Removed'} the demo content of the fresh install first (it was untouched).`]
      : []),
    `Imported in ${(r.ms / 1000).toFixed(1)} s:`,
    `  authors ${r.authors}, sections ${r.categories}, tags ${r.tags}`,
    `  posts ${r.posts.created} new, ${r.posts.updated} updated (${r.protectedPosts} behind a password); pages ${r.pages}; comments ${r.comments}`,
    `  images ${r.images}; redirects from old links ${r.redirects}`,
    ...(r.unchanged ? [`  unchanged since the last import: ${r.unchanged}`] : []),
  ];
  if (r.skipped.length)
    lines.push(`Skipped ${r.skipped.length}:`, ...r.skipped.map((s) => `  line ${s.line}: ${s.reason}`));
  if (r.unknownShortcodes.length)
    lines.push(
      `Shortcodes left as text (not converted: unknown here, or naming images the export lacks; edit these posts) ${r.unknownShortcodes.length}:`,
      ...r.unknownShortcodes.map((u) => `  [${u.name}] in post${u.posts.length > 1 ? 's' : ''} ${u.posts.join(', ')}`),
    );
  if (r.missingImages.length)
    lines.push(
      `Images not found (original URLs kept) ${r.missingImages.length}:`,
      ...r.missingImages.map((u) => `  ${u}`),
    );
  return lines.join('\n');
}
