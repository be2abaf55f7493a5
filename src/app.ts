import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchema,
  type FastifyServerOptions,
} from 'fastify';
import { contentApiRoutes } from './content/api-routes.js';
import { ContentRepository } from './content/repository.js';
import { SettingsStore } from './content/settings.js';
import { ViewCounter } from './content/view-counter.js';
import type { Database } from './db/database.js';
import { mediaRoutes } from './media/routes.js';
import { searchRoutes } from './search/routes.js';
import { SearchService } from './search/service.js';
import { clientErrorHandler } from './web/client-error.js';
import { AppError } from './shared/errors.js';
import { type DatabaseFailure, databaseFailure } from './db/failures.js';
import { canonicalPath } from './shared/query.js';
import { loadThemeAssets, type ThemeAssets } from './web/theme/assets.js';
import { errorPage, unavailableDocument } from './web/theme/pages.js';
import { healthRoutes } from './web/health-routes.js';
import { COMMON_HEADERS, contentSecurityPolicy } from './web/security-headers.js';
import { sendPage, themeRoutes } from './web/theme/routes.js';
import { SiteContext } from './web/theme/site-context.js';
import { PageCache, type SharedFill } from './delivery/page-cache.js';
import { CacheKeys } from './delivery/cache-keys.js';
import { OutboxFollower } from './events/follower.js';
import { TtlCache } from './shared/ttl-cache.js';
import type { ArticleSummary } from './content/types.js';
import { adminScope, enforceRouteRules } from './accounts/http.js';
import { checkRequestTarget } from './web/request-target.js';
import { SiteUrl } from './web/site-url.js';
import { accountRoutes } from './accounts/routes.js';
import { serverSecret } from './accounts/secret.js';
import { AccountService } from './accounts/service.js';
import { addAdminAssets } from './admin/assets.js';
import { articleAdminRoutes } from './admin/articles.js';
import type { AdminDeps } from './admin/deps.js';
import { mediaAdminRoutes } from './admin/media.js';
import { userAdminRoutes } from './admin/users.js';
import { siteAdminRoutes } from './admin/site.js';
import { commentAdminRoutes } from './admin/comments.js';
import { Editorial } from './content/editorial.js';
import { SiteJobs } from './jobs/site-jobs.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { MediaLibrary } from './media/library.js';
import { openMediaStore } from './media/storage/index.js';
import { registerBodyParsers } from './web/forms.js';
import { addSafirFormats, guardNumbersInText, validationError } from './web/schemas.js';
import { CommentService } from './comments/service.js';
import { commentRoutes } from './comments/routes.js';
import { ArticleRenderer, SiteWidgets } from './web/theme/article-view.js';
import { feedRoutes } from './feeds/routes.js';
import { type PurgeConfig, purging } from './config.js';
import type { SharedCachePolicy } from './delivery/shared-cache.js';
import { DurableConsumers } from './events/durable-consumer.js';
import { runRetention } from './jobs/retention.js';
import { type BackupSchedule, scheduledBackups } from './jobs/scheduled-backups.js';
import { purgeTargets } from './delivery/purge/index.js';
import { DatabaseLimitStore } from './limits/database-limit-store.js';
import type { LimitStore } from './limits/limit-store.js';
import { ArticleProtection, carriesUnlockCookie } from './content/protection.js';
import { wordpressPathVariant, wordpressQueryTarget, wordpressUploadRoutes } from './import/wordpress-addresses.js';

/** What a 503 tells clients and shared caches: try again after this long. */
const RETRY_AFTER_SECONDS = 5;

export interface AppOptions {
  database: Database;
  /** The media folder on this machine; used unless `mediaStore` names another store. */
  mediaRoot: string;
  /** `MEDIA_STORE`: `s3://bucket/prefix` for media every node shares; unset: `mediaRoot`. */
  mediaStore?: string;
  /** `MEDIA_PUBLIC_URL`: where readers fetch media (a CDN or the bucket); `/media/…` redirects there. */
  mediaPublicUrl?: string;
  logger?: FastifyServerOptions['logger'];
  /** Proxies whose X-Forwarded-* headers count (addresses/CIDRs, see config.ts); false or unset for none. */
  trustProxy?: string | false;
  /** The public origin for every absolute link (SITE_URL); unset: the address the server listens on. */
  siteUrl?: string;
  /** Production: no mail with links unless siteUrl is set. */
  production?: boolean;
  /** Host names a request may carry; unset accepts any (links never use the Host anyway). */
  allowedHosts?: string[];
  /**
   * The other workers of this node (safir serve --workers N): pages rendered here are sent to them, and theirs
   * received, so that a page renders once per node (delivery/page-cache.ts).
   */
  siblings?: { send: (fill: SharedFill) => void; receive: (handler: (message: unknown) => void) => void };
  /** Which cluster worker this is (safir serve --workers), shown as X-Worker. */
  workerId?: number;
  /** How often read counts are written (ms). */
  viewFlushMs?: number;
  /** The longest a rendered page is kept without a change to what it shows (ms); 0 renders every request. */
  pageCacheMs?: number;
  /** Memory for rendered pages (bytes, compressed bodies); default 128 MB. */
  pageCacheBytes?: number;
  /** Backups on a schedule (`BACKUP_DIR`), taken by the process that runs the site's jobs. */
  backups?: BackupSchedule;
  /** The longest a request may take to arrive, body included (default 120 s). */
  requestTimeoutMs?: number;
  /** The longest a readiness check (`/readyz`) waits for the database; the server passes `DB_TIMEOUT_SECONDS`. */
  databaseTimeoutMs?: number;
  /** How often the outbox is read for changes made elsewhere (ms); PostgreSQL also wakes it at each commit. */
  outboxPollMs?: number;
  /** How often due scheduled articles are published (ms); default 15 s. */
  schedulerMs?: number;
  /** SMTP server URL for password-reset mail; unset sends none. */
  smtpUrl?: string;
  mailFrom?: string;
  /** Shared caches to purge when content changes (Varnish servers, a CDN); unset purges none. */
  purge?: PurgeConfig;
  /** What shared caches are told about public pages; default: s-maxage 60 s. */
  sharedCache?: SharedCachePolicy;
  /** Keep rate limits and lockouts in this Redis (REDIS_URL) instead of the database. */
  redisUrl?: string;
  /** What Safir's keys in Redis start with; default `safir:`. */
  redisPrefix?: string;
}

export interface Services {
  database: Database;
  content: ContentRepository;
  settings: SettingsStore;
  site: SiteContext;
  views: ViewCounter;
  assets: ThemeAssets;
  pageCache: PageCache;
  outbox: OutboxFollower;
  /** The durable consumers of the outbox (shared-cache purgers), run by one process of the site. */
  consumers: DurableConsumers;
  accounts: AccountService;
  editorial: Editorial;
  comments: CommentService;
  mailer: Mailer;
  siteUrl: SiteUrl;
  /** Every route with the access it declares, for the authorization tests and for operators' review. */
  routes: { method: string; url: string; access: string | undefined; schema: FastifySchema | undefined }[];
}

let cachedAssets: ThemeAssets | undefined;

/** Request logs keep the path but not secrets in it (password-reset tokens); bodies are never logged. */
function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const base = typeof logger === 'object' ? logger : {};
  return {
    ...base,
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: req.url.replace(/^\/admin\/reset\/[^/?#]+/, '/admin/reset/[token]'),
        remoteAddress: req.ip,
      }),
    },
  };
}

/**
 * The composition root: builds every service once, then registers each
 * domain's routes as a plugin with the services it needs.
 */
export async function buildApp(opts: AppOptions): Promise<{ app: FastifyInstance; services: Services }> {
  // Cache hits are answered by the HTTP server itself, before Fastify routes the request (see PageCache).
  let answerDirectly: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const app = Fastify({
    // As Fastify's own factory does (header size, timeouts), with cache hits answered first.
    serverFactory: (handler, fastifyOptions) => {
      const options = fastifyOptions as {
        http?: ServerOptions;
        keepAliveTimeout?: number;
        requestTimeout?: number;
        connectionTimeout?: number;
        maxRequestsPerSocket?: number;
      };
      // A request must arrive whole within requestTimeout (a client trickling a body holds a connection and
      // memory); Node looks for late ones every connectionsCheckingInterval. Given at construction: set later on
      // the server object, Node 20 kept its 60-s header timeout instead.
      const requestTimeout = options.requestTimeout ?? 0;
      const limits = requestTimeout
        ? {
            requestTimeout,
            headersTimeout: Math.min(60_000, requestTimeout),
            connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(requestTimeout / 4))),
          }
        : {};
      const server = createServer({ ...options.http, ...limits }, (req, res) => {
        if (!answerDirectly?.(req, res)) handler(req, res);
      });
      if (options.keepAliveTimeout) server.keepAliveTimeout = options.keepAliveTimeout;
      server.setTimeout(options.connectionTimeout ?? 0);
      if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
      return server;
    },
    logger: withRedaction(opts.logger),
    trustProxy: opts.trustProxy || false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    bodyLimit: 1024 * 1024,
    // The whole request, body included (an upload on a slow line); then a 408 and the connection closes.
    requestTimeout: opts.requestTimeoutMs ?? 120_000,
    // Room for a long percent-encoded Arabic search (10 KB of text is 30–60 KB in a URL); beyond it, a clean 431.
    http: { maxHeaderSize: 64 * 1024 },
    clientErrorHandler,
    // Every route's schema is checked by ajv; a failure becomes our INVALID_INPUT AppError (400, Arabic and English).
    ajv: {
      customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false },
      plugins: [addSafirFormats],
    } as FastifyServerOptions['ajv'],
    schemaErrorFormatter: (errors, context) => validationError(errors, context),
    // Bad percent-encoding and similar router-level failures get our 400 page, not Fastify's default.
    frameworkErrors: (error, req, reply) => {
      void renderError(req, reply, new AppError('BAD_URL', 400, 'الرابط غير صالح.', 'The URL is malformed.'));
    },
  });

  const assets = (cachedAssets ??= loadThemeAssets());
  const mediaStore = await openMediaStore(opts.mediaStore, opts.mediaRoot);
  const content = new ContentRepository(opts.database.db);
  const settings = new SettingsStore(opts.database.db);
  const siteUrl = new SiteUrl(opts.siteUrl, opts.production);
  const site = new SiteContext(settings, content, assets, siteUrl);
  const views = new ViewCounter(
    content,
    async () => (await site.get()).ctx.fmt.day(new Date().toISOString()),
    opts.viewFlushMs,
  );
  const allowedHosts = opts.allowedHosts?.length ? new Set(opts.allowedHosts) : undefined;
  const workerHeader: Record<string, string> = opts.workerId ? { 'x-worker': String(opts.workerId) } : {};
  const pageCache = new PageCache({
    maxBytes: opts.pageCacheBytes ?? 128 * 1024 * 1024,
    ttlMs: opts.pageCacheMs ?? 30 * 60_000,
    shared: opts.sharedCache,
    onError: (err, cacheId) => app.log.warn({ err, cacheId }, 'a page could not be refreshed; the cached copy stays'),
    onRead: (articleId) => views.count(articleId),
    direct: {
      headers: (html) => ({
        ...COMMON_HEADERS,
        ...workerHeader,
        ...(html ? { 'content-security-policy': contentSecurityPolicy(false) } : {}),
      }),
      // With ALLOWED_HOSTS set, every request goes the long way, past the host check (onRequest below).
      // A reader who unlocked a protected article gets their own render of its page (content/protection.ts).
      accepts: (req) => !allowedHosts && !carriesUnlockCookie(req.headers.cookie),
    },
    siblings: opts.siblings && { share: opts.siblings.send, applied: () => outbox.applied },
  });
  opts.siblings?.receive((message) => {
    if ((message as { type?: unknown } | null)?.type === 'safir:page-fill') pageCache.receive(message as SharedFill);
  });
  answerDirectly = (req, res) => pageCache.answerDirectly(req, res);
  const widgets = new TtlCache<ArticleSummary[]>(5 * 60_000);
  // Every change made anywhere (this process, another worker, another node) reaches this process's caches here.
  // This process's name for the site-wide leases, and for the place in the outbox it reports.
  const holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const purge = opts.purge && purging(opts.purge) ? opts.purge : undefined;
  const outbox = new OutboxFollower(opts.database, {
    pollMs: opts.outboxPollMs,
    onError: (err) => app.log.error({ err }, 'reading the outbox failed; retrying'),
    // Purgers of shared caches wait for every process to have dropped a page before purging it there.
    reportAs: purge ? holder : undefined,
  });
  outbox.onEvents((events) => {
    const keys = events.flatMap((e) => e.keys);
    // The shared pieces pages are built from go first: the cache re-renders read pages at once, from them.
    if (keys.some((k) => k.replace(/^!/, '') === CacheKeys.site)) site.invalidate();
    widgets.clear();
    // Per event, with its id: a page another worker rendered before that event is refused (PageCache.receive).
    for (const event of events) pageCache.invalidate(event.keys, event.id);
    consumers.wake();
  });
  const consumers = new DurableConsumers(
    opts.database.db,
    holder,
    purge ? purgeTargets(purge, opts.database.db, app.log) : [],
    app.log,
  );
  const secret = await serverSecret(opts.database.db);
  // Sign-in lockouts and comment limits count for the whole site: in the database, or in Redis when given.
  // Keys are prefixed per site (from its secret) unless told otherwise: sites sharing a Redis never share counts.
  const redisPrefix = opts.redisPrefix ?? `safir:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}:`;
  // Loaded only when wanted: the Redis client costs each worker ~20 MB.
  const redisLimits = opts.redisUrl
    ? await (
        await import('./limits/redis-limit-store.js')
      ).RedisLimitStore.connect(opts.redisUrl, `${redisPrefix}limit:`, Date.now, (err) =>
        app.log.error(
          { err },
          'Redis (REDIS_URL) cannot be reached: sign-in and comments are refused until it is back',
        ),
      )
    : undefined;
  const limits: LimitStore = redisLimits ?? new DatabaseLimitStore(opts.database.db);
  const accounts = new AccountService(opts.database.db, secret, Date.now, limits);
  const editorial = new Editorial(opts.database.db);
  const comments = new CommentService(opts.database.db, secret, Date.now, limits);

  const mailer = createMailer(opts.smtpUrl, opts.mailFrom ?? 'Safir <no-reply@localhost>');
  const routes: Services['routes'] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      routes.push({ method, url: route.url, access: route.config?.access, schema: route.schema });
  });
  const services: Services = {
    routes,
    database: opts.database,
    content,
    settings,
    site,
    views,
    assets,
    pageCache,
    outbox,
    consumers,
    accounts,
    editorial,
    comments,
    mailer,
    siteUrl,
  };
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true; // /readyz says so from now on
  });
  app.addHook('onListen', async function () {
    const address = this.server.address();
    if (address && typeof address === 'object') siteUrl.listeningOn(address.address, address.port);
    site.invalidate();
    // Loaded now, so that even a database gone from the first request on leaves error pages the site's look.
    await site.get().catch(() => {});
    const problem = siteUrl.problem;
    if (problem) this.log.warn(problem.en);
  });

  const wantsJson = (req: FastifyRequest) => req.url.startsWith('/api/');

  const messageFor = (req: FastifyRequest, err: AppError) =>
    /^\s*en\b/i.test(String(req.headers['accept-language'] ?? '')) ? err.messageEn : err.messageAr;

  async function renderError(req: FastifyRequest, reply: FastifyReply, err: AppError): Promise<FastifyReply> {
    // An address that no longer exists may have moved: renamed slugs and imported permalinks keep working.
    if (err.status === 404 && (req.method === 'GET' || req.method === 'HEAD')) {
      const path = canonicalPath(req.url);
      const redirect = path ? await content.redirectFor(path) : undefined;
      if (redirect) return reply.redirect(redirect.to_path, redirect.status_code as 301);
      // Another system's variant of an address (WordPress's `/amp`, `/page/2`, `/feed/rss2`): one step to the plain one.
      const plain = path && wordpressPathVariant(path);
      if (plain) return reply.redirect(plain, 301);
    }
    // A signed-out visit to an admin page goes to the sign-in form and comes back afterwards.
    if (err.code === 'UNAUTHENTICATED' && req.method === 'GET' && !wantsJson(req)) {
      // Only a plausible address comes back after sign-in; an absurdly long one would make an unreadable header.
      const next = req.url.length <= 2000 ? `?next=${encodeURIComponent(req.url)}` : '';
      return reply.redirect(`/admin/sign-in${next}`, 303);
    }
    if (wantsJson(req)) {
      return reply
        .code(err.status)
        .header('cache-control', 'no-store')
        .send({
          errors: [
            {
              code: err.code,
              status: err.status,
              message: messageFor(req, err),
              message_ar: err.messageAr,
              message_en: err.messageEn,
              ...(err.field ? { field: err.field } : {}),
            },
          ],
        });
    }
    // A server-side failure may be the database itself: the page is made from the site as last loaded.
    const known = err.status >= 500 ? site.known() : undefined;
    const { ctx } = known ?? (await site.get());
    const page = errorPage(ctx, err.status, ctx.site.lang === 'ar' ? err.messageAr : err.messageEn);
    return sendPage(reply, ctx, { title: page.title }, page.body, err.status);
  }

  /** A database out of reach (or a full disk) is said plainly, with a 503 and when to try again, never a 500. */
  function failureError(failure: DatabaseFailure, req: FastifyRequest): AppError {
    if (failure === 'full' && req.method !== 'GET' && req.method !== 'HEAD')
      return new AppError(
        'STORAGE_FULL',
        507,
        'مساحة التخزين على الخادم ممتلئة، فلم يُحفظ شيء. انسخ ما كتبته واحتفظ به، وأبلغ مدير الموقع.',
        "The server's storage is full, so nothing was saved. Copy what you wrote to keep it, and tell the site's operator.",
      );
    return new AppError(
      'DATABASE_UNAVAILABLE',
      503,
      'قاعدة البيانات غير متاحة الآن. أعد المحاولة بعد لحظات، وإن كنت ترسل شيئاً فتحقّق بعدها من أنه حُفظ.',
      'The database is unavailable right now. Try again in a few moments; if you were sending something, check afterwards that it was saved.',
    );
  }

  app.setErrorHandler(async (error, req, reply) => {
    if (error instanceof AppError) return renderError(req, reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      // Fastify's own client errors: bad JSON, oversized bodies, unsupported media types.
      return renderError(req, reply, new AppError('BAD_REQUEST', status, 'الطلب غير صالح.', (error as Error).message));
    }
    const failure = databaseFailure(error);
    if (failure) {
      // A statement that ran past its time is a slow query to find, not only an outage: logged as an error.
      const slowQuery = (error as { code?: string }).code === '57014';
      req.log[slowQuery ? 'error' : 'warn'](
        { err: error },
        failure === 'full' ? 'storage full' : 'database unavailable',
      );
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      try {
        return await renderError(req, reply, failureError(failure, req));
      } catch {
        return reply
          .code(503)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(unavailableDocument(assets.css));
      }
    }
    req.log.error({ err: error }, 'unhandled error');
    try {
      return await renderError(req, reply, new AppError('INTERNAL', 500, 'حدث خطأ غير متوقع.', 'Unexpected error.'));
    } catch {
      return reply.code(500).type('text/plain; charset=utf-8').send('500 - حدث خطأ غير متوقع / Unexpected error');
    }
  });

  // Before any route runs: one spelling per path (see web/request-target.ts).
  app.addHook('onRequest', async (req, reply) => {
    if (allowedHosts && !allowedHosts.has(req.hostname.toLowerCase()))
      return renderError(
        req,
        reply,
        new AppError(
          'UNKNOWN_HOST',
          400,
          'هذا الموقع لا يخدم هذا العنوان.',
          'This site does not serve that host name.',
        ),
      );
    const target = checkRequestTarget(req.raw.url ?? '/');
    if (target.kind === 'canonical') return;
    // A redirect repeats the address in a header; one longer than proxies and clients read (8 KB) is refused instead.
    if (
      target.kind === 'redirect' &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      target.location.length <= 8000
    ) {
      // An old address (an imported permalink, a renamed slug) goes where it now lives in one hop.
      const path = target.location.split('?')[0]!;
      const moved = await content.redirectFor(path);
      return reply.header('cache-control', 'no-store').redirect(moved?.to_path ?? target.location, 301);
    }
    return renderError(req, reply, new AppError('BAD_URL', 400, 'الرابط غير صالح.', 'The URL is malformed.'));
  });

  // An empty query parameter is an absent one: a GET form sends every field (`?category=&from=`).
  app.addHook('preValidation', async (req) => {
    // A route that declares no query reads none: its handler must not see undeclared, unvalidated input.
    if (!req.routeOptions.schema?.querystring) req.query = Object.create(null) as Record<string, never>;
    const query = req.query as Record<string, unknown> | undefined;
    if (query && typeof query === 'object')
      for (const key of Object.keys(query)) if (query[key] === '') delete query[key];
    guardNumbersInText(req.routeOptions.schema?.querystring, query);
    guardNumbersInText(req.routeOptions.schema?.params, req.params);
  });

  app.setNotFoundHandler(async (req, reply) => {
    return renderError(req, reply, new AppError('NOT_FOUND', 404, 'الصفحة غير موجودة.', 'Not found.'));
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.headers(COMMON_HEADERS);
    reply.headers(workerHeader);
    const access = req.routeOptions.config?.access;
    const newsroom = access !== undefined && access !== 'public';
    if (newsroom) {
      // Nothing of the newsroom may be kept by a shared cache or shown inside another site's frame.
      reply.header('cache-control', 'private, no-store');
      reply.header('x-frame-options', 'DENY');
    }
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', contentSecurityPolicy(newsroom));
    }
    return payload;
  });

  registerBodyParsers(app);
  app.decorateRequest('auth', null);
  enforceRouteRules(app);
  const adminDeps: AdminDeps = {
    db: opts.database.db,
    accounts,
    editorial,
    content,
    settings,
    media: new MediaLibrary(opts.database.db, mediaStore),
    mediaStore,
    site,
    assets: addAdminAssets(assets),
    mailer,
    siteUrl,
  };
  await app.register(
    adminScope(accounts, async (scope) => {
      await scope.register(accountRoutes, adminDeps);
      await scope.register(articleAdminRoutes, adminDeps);
      await scope.register(mediaAdminRoutes, adminDeps);
      await scope.register(userAdminRoutes, adminDeps);
      await scope.register(siteAdminRoutes, adminDeps);
      await scope.register(commentAdminRoutes, { ...adminDeps, comments });
    }),
  );
  await app.register(healthRoutes, {
    db: opts.database.db,
    timeoutMs: opts.databaseTimeoutMs || 5000,
    stopping: () => stopping,
  });
  await app.register(mediaRoutes, { store: mediaStore, publicUrl: opts.mediaPublicUrl });
  await app.register(feedRoutes, { db: opts.database.db, content, site, pageCache, media: mediaStore });
  await app.register(contentApiRoutes, { content, site });
  await app.register(searchRoutes, { search: new SearchService(opts.database.db, content), site, pageCache });
  const siteWidgets = new SiteWidgets(content, widgets);
  const protection = new ArticleProtection(opts.database.db, secret, limits);
  const articles = new ArticleRenderer(content, site, siteWidgets, comments, protection);
  await app.register(commentRoutes, {
    comments,
    accounts,
    site,
    articles,
    content,
    mailer,
    siteUrl,
    db: opts.database.db,
    protection,
  });
  await app.register(themeRoutes, {
    content,
    site,
    assets,
    pageCache,
    widgets: siteWidgets,
    articles,
    comments,
    protection,
    queryAddress: (query) => wordpressQueryTarget(query, async (key) => (await content.redirectFor(key))?.to_path),
  });
  await app.register(wordpressUploadRoutes, { db: opts.database.db });

  // Requests still running when the server closes (their client may have gone) finish before the database closes.
  const running = new WeakSet<FastifyRequest>();
  let inFlight = 0;
  const done = async (req: FastifyRequest) => {
    if (running.delete(req)) inFlight--;
  };
  app.addHook('onRequest', async (req) => {
    running.add(req);
    inFlight++;
  });
  app.addHook('onResponse', done);
  app.addHook('onRequestAbort', done);

  views.start();
  await outbox.start();
  // Once for the whole site (whichever process holds the lease): the scheduler, the most-read box, table pruning.
  const jobs = new SiteJobs(
    opts.database.db,
    holder,
    [
      {
        name: 'publish-due',
        everyMs: opts.schedulerMs ?? 15_000,
        run: async () => {
          const ids = await editorial.publishDue();
          if (ids.length) app.log.info({ ids }, 'published scheduled articles');
        },
      },
      {
        name: 'most-read',
        everyMs: 5 * 60_000,
        run: async () => siteWidgets.trackMostRead(opts.database.db, (await site.get()).ctx),
      },
      {
        name: 'prune',
        everyMs: 3600_000,
        run: () => runRetention(opts.database.db, { accounts, comments }),
      },
      ...(opts.backups
        ? [
            scheduledBackups(
              opts.backups,
              { databaseUrl: opts.database.url, mediaDir: opts.mediaRoot, mediaStore: opts.mediaStore },
              app.log,
            ),
          ]
        : []),
    ],
    app.log,
    Math.min(2000, opts.schedulerMs ?? 2000),
  );
  jobs.start();
  consumers.start();
  app.addHook('onClose', async () => {
    await outbox.stop();
    await consumers.stop();
    await jobs.stop();
    for (let waited = 0; inFlight > 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await views.stop().catch(() => {});
    await redisLimits?.close();
    await mediaStore.close();
  });

  return { app, services };
}
