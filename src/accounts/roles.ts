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

// Each role has what the one below it has, and more: WordPress's ladder.
const CONTRIBUTOR: Capability[] = ['edit_articles'];
const AUTHOR: Capability[] = [...CONTRIBUTOR, 'publish_articles', 'upload_media'];
const EDITOR: Capability[] = [
  ...AUTHOR,
  'edit_others_articles',
  'manage_taxonomies',
  'manage_pages',
  'moderate_comments',
];
const ADMINISTRATOR: Capability[] = [...EDITOR, 'manage_users', 'manage_settings'];

const CAPABILITIES: Record<Role, ReadonlySet<Capability>> = {
  administrator: new Set(ADMINISTRATOR),
  editor: new Set(EDITOR),
  author: new Set(AUTHOR),
  contributor: new Set(CONTRIBUTOR),
};

export interface Actor {
  id: number;
  role: Role;
  authorId: number;
}

/** The acting person as the rules see them: who, in which role, writing under which author profile. */
export function actorOf(user: { id: number; role: Role; author_id: number }): Actor {
  return { id: user.id, role: user.role, authorId: user.author_id };
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
