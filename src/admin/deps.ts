import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountService } from '../accounts/service.js';
import type { Editorial } from '../content/editorial.js';
import type { ContentRepository } from '../content/repository.js';
import type { SettingsStore } from '../content/settings.js';
import type { DB } from '../db/database.js';
import type { Mailer } from '../mail/mailer.js';
import type { SiteUrl } from '../web/site-url.js';
import type { MediaLibrary } from '../media/library.js';
import type { MediaStore } from '../media/storage/index.js';
import type { SafeHtml } from '../web/theme/html.js';
import type { SiteContext } from '../web/theme/site-context.js';
import type { AdminAssets } from './assets.js';
import { type AdminPageMeta, type AdminView, adminPage, adminView, sendAdmin } from './view.js';

/** What the admin's route plugins need; built once in app.ts. */
export interface AdminDeps {
  db: DB;
  accounts: AccountService;
  editorial: Editorial;
  content: ContentRepository;
  settings: SettingsStore;
  media: MediaLibrary;
  /** Where uploads are stored (local folder or S3). */
  mediaStore: MediaStore;
  site: SiteContext;
  assets: AdminAssets;
  mailer: Mailer;
  siteUrl: SiteUrl;
}

/** Builds the view for this request and renders a page with it. */
export async function viewFor(deps: AdminDeps, req: FastifyRequest, reply: FastifyReply): Promise<AdminView> {
  const { ctx } = await deps.site.get();
  return adminView(req, reply, deps.assets, ctx.site, ctx.origin);
}

export function render(
  reply: FastifyReply,
  view: AdminView,
  meta: AdminPageMeta,
  body: SafeHtml,
  status = 200,
): FastifyReply {
  return sendAdmin(reply, adminPage(view, meta, body), status);
}

/** Only local admin paths may be a sign-in's destination, so the form cannot send anyone elsewhere. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(\/[^\s\\]*)?$/.test(next) && !next.startsWith('//') ? next : '/admin';
}
