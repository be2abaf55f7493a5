import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The database as Kysely sees it. Times are ISO-8601 UTC strings
 * (`2026-11-26T07:35:55.000Z`): they sort correctly as text and read the same
 * from SQLite and PostgreSQL. Flags are integers 0/1 for the same reason.
 */
export interface Schema {
  settings: SettingsTable;
  authors: AuthorsTable;
  categories: CategoriesTable;
  tags: TagsTable;
  media: MediaTable;
  articles: ArticlesTable;
  article_tags: ArticleTagsTable;
  article_views: ArticleViewsTable;
  pages: PagesTable;
  redirects: RedirectsTable;
  users: UsersTable;
  sessions: SessionsTable;
  auth_throttle: AuthThrottleTable;
  password_resets: PasswordResetsTable;
  article_revisions: ArticleRevisionsTable;
  comments: CommentsTable;
  comment_tokens: CommentTokensTable;
  events: EventsTable;
  job_leases: JobLeasesTable;
  event_cursors: EventCursorsTable;
  event_followers: EventFollowersTable;
  sitemap_pages: SitemapPagesTable;
  list_stats: ListStatsTable;
  import_records: ImportRecordsTable;
}

/** Per list of published articles (the site, a section, tag or author): its size and last change. */
export interface ListStatsTable {
  kind: 'all' | 'category' | 'tag' | 'author';
  subject_id: number;
  articles: number;
  lastmod: string;
}

/** Per article sitemap file (ids (page−1)·1000+1 … page·1000): public articles in it, and its last change. */
export interface SitemapPagesTable {
  page: number;
  articles: number;
  lastmod: string;
}

/** The outbox (src/events): one row per change others must hear of, written in the change's transaction. */
export interface EventsTable {
  id: Generated<number>;
  type: string;
  /** Cache keys, space-separated; `!key` must not be served stale. */
  keys: string;
  /** JSON. */
  payload: string;
  created_at: string;
}

/** Which process of the site runs a job, until when. */
export interface JobLeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

/** How far a durable consumer of the outbox (a CDN purger, webhooks) has got. */
export interface EventCursorsTable {
  consumer: string;
  last_id: number;
}

/** How far each process has applied the outbox to its own caches, and when it last said so (ISO). */
export interface EventFollowersTable {
  follower: string;
  applied_id: number;
  seen_at: string;
}

export interface SettingsTable {
  key: string;
  value: string; // JSON
}

export interface AuthorsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  bio: string;
  avatar_media_id: number | null;
  created_at: string;
}

export interface CategoriesTable {
  id: Generated<number>;
  slug: string;
  name: string;
  description: string;
  parent_id: number | null;
  position: number;
}

export interface TagsTable {
  id: Generated<number>;
  slug: string;
  name: string;
}

export interface MediaTable {
  id: Generated<number>;
  /** Path of the original below the media root, e.g. `2026/11/abc.jpg`. */
  path: string;
  mime: string;
  width: number;
  height: number;
  alt: string;
  caption: string;
  /** JSON array of `{ width, height, path }`, WebP renditions, narrowest first. */
  variants: string;
  created_at: string;
  /** The account that uploaded it; null for imported and demo images. */
  uploaded_by: Generated<number | null>;
  /** Key in an import source (`wp:<attachment id>`). */
  source_id: Generated<string | null>;
}

/** draft → pending (review) → scheduled → published; unpublishing returns to draft. */
export type ArticleStatus = 'draft' | 'pending' | 'scheduled' | 'published';

export interface ArticlesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  excerpt: string;
  body_html: string;
  status: ArticleStatus;
  published_at: string | null;
  created_at: string;
  updated_at: string;
  author_id: number;
  category_id: number;
  featured_media_id: number | null;
  featured: number;
  breaking: number;
  seo_title: string;
  seo_description: string;
  word_count: number;
  /** Key of an imported article in its source (corpus id, WordPress post id) so re-imports update. */
  source_id: string | null;
  comments_open: Generated<number>;
  /** Approved comments, kept in step by the comments service. */
  comment_count: Generated<number>;
  /** scrypt hash of the article's password; null: anyone may read it (content/protection.ts). */
  password_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One imported item: its source, the row it became, and hashes of both as the import left them. */
export interface ImportRecordsTable {
  source_id: string;
  target_id: number;
  source_hash: string;
  state_hash: string;
  imported_at: string;
}

export interface ArticleTagsTable {
  article_id: number;
  tag_id: number;
  /** The article's state, repeated here so a tag's archive reads one index (content/list-stats.ts keeps it). */
  listed: Generated<number>;
  published_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ArticleViewsTable {
  article_id: number;
  /** YYYY-MM-DD in the site's time zone. */
  day: string;
  views: number;
}

export interface PagesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  body_html: string;
  status: ArticleStatus;
  published_at: string | null;
  updated_at: string;
  source_id: Generated<string | null>;
}

export interface RedirectsTable {
  from_path: string;
  to_path: string;
  status_code: number;
}

export type Role = 'administrator' | 'editor' | 'author' | 'contributor';

export interface UsersTable {
  id: Generated<number>;
  /** Lower-cased. */
  email: string;
  name: string;
  role: Role;
  /** `scrypt$N$r$p$salt$hash` (base64url). */
  password_hash: string;
  /** The public profile under which this person's articles appear. */
  author_id: number;
  locale: 'ar' | 'en';
  /** Base32 TOTP secret when two-factor sign-in is on. */
  totp_secret: string | null;
  /** The last accepted TOTP time step (30-second counter); a code for it or an earlier one is refused. */
  totp_last_step: number | null;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  csrf_token: string;
  verified: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  user_agent: string;
}

export interface AuthThrottleTable {
  key: string;
  failures: number;
  window_started_at: string;
  locked_until: string | null;
}

export interface PasswordResetsTable {
  token_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface ArticleRevisionsTable {
  id: Generated<number>;
  article_id: number;
  user_id: number | null;
  created_at: string;
  status: ArticleStatus;
  title: string;
  excerpt: string;
  body_html: string;
  note: string;
}

export type CommentStatus = 'pending' | 'approved' | 'spam' | 'trash';

export interface CommentsTable {
  id: Generated<number>;
  article_id: number;
  parent_id: number | null;
  /** Set when a signed-in staff member wrote it. */
  user_id: number | null;
  author_name: string;
  /** Lower-cased; never shown on any public page, feed or API. */
  author_email: string;
  author_url: string;
  /** Plain text as written; links and line breaks are made at display. */
  body: string;
  status: CommentStatus;
  /** Keyed hash of the sender's IP address (rate limits); never the address itself. */
  ip_hash: string;
  notify_replies: number;
  created_at: string;
  /** Key in an import source (`wp:<comment id>`). */
  source_id: Generated<string | null>;
}

export interface CommentTokensTable {
  token_hash: string;
  used_at: string;
}

export type CommentRow = Selectable<CommentsTable>;
export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type RevisionRow = Selectable<ArticleRevisionsTable>;
export type ArticleRow = Selectable<ArticlesTable>;
export type NewArticleRow = Insertable<ArticlesTable>;
export type ArticleUpdate = Updateable<ArticlesTable>;
export type AuthorRow = Selectable<AuthorsTable>;
export type CategoryRow = Selectable<CategoriesTable>;
export type TagRow = Selectable<TagsTable>;
export type MediaRow = Selectable<MediaTable>;
export type PageRow = Selectable<PagesTable>;
