import type { ArticleStatus, Role } from '../db/schema.js';

/**
 * Roles with WordPress's meanings. A capability is a thing a person may do;
 * `canEditArticle` and friends add the ownership rules. The admin and its API
 * check these on the server for every request; the UI only hides what a role
 * cannot do.
 */
export const ROLES: readonly Role[] = ['administrator', 'editor', 'author', 'contributor'];

export type Capability =
  | 'manage_users'
  | 'manage_settings'
  | 'edit_others_articles'
  | 'publish_articles'
  | 'manage_taxonomies'
  | 'manage_pages'
  | 'moderate_comments'
  | 'upload_media'
  | 'edit_articles';

const CAPABILITIES: Record<Role, ReadonlySet<Capability>> = {
  administrator: new Set<Capability>([
    'manage_users',
    'manage_settings',
    'edit_others_articles',
    'publish_articles',
    'manage_taxonomies',
    'manage_pages',
    'moderate_comments',
    'upload_media',
    'edit_articles',
  ]),
  editor: new Set<Capability>([
    'edit_others_articles',
    'publish_articles',
    'manage_taxonomies',
    'manage_pages',
    'moderate_comments',
    'upload_media',
    'edit_articles',
  ]),
  author: new Set<Capability>(['publish_articles', 'upload_media', 'edit_articles']),
  contributor: new Set<Capability>(['edit_articles']),
};

export interface Actor {
  id: number;
  role: Role;
  authorId: number;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(actor: Actor, capability: Capability): boolean {
  return CAPABILITIES[actor.role].has(capability);
}

/**
 * Who may change an article as it stands: editors and administrators any;
 * authors their own; contributors their own until it is scheduled or published
 * (as in WordPress, a contributor cannot touch a published article).
 */
export function canEditArticle(actor: Actor, article: { author_id: number; status: ArticleStatus }): boolean {
  if (can(actor, 'edit_others_articles')) return true;
  if (article.author_id !== actor.authorId) return false;
  if (can(actor, 'publish_articles')) return true;
  return article.status === 'draft' || article.status === 'pending';
}

/** The statuses a role may put an article into. */
export function allowedStatuses(actor: Actor): ArticleStatus[] {
  return can(actor, 'publish_articles') ? ['draft', 'pending', 'scheduled', 'published'] : ['draft', 'pending'];
}
