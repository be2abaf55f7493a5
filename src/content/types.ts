/** What the content domain hands to the theme and the API: rows joined and shaped for reading. */
export interface MediaVariant {
  width: number;
  height: number;
  path: string;
}

export interface Image {
  id: number;
  path: string;
  width: number;
  height: number;
  alt: string;
  caption: string;
  variants: MediaVariant[];
}

export interface AuthorRef {
  id: number;
  name: string;
  slug: string;
}

export interface CategoryRef {
  id: number;
  name: string;
  slug: string;
}

export interface TagRef {
  id: number;
  name: string;
  slug: string;
}

export interface ArticleSummary {
  id: number;
  slug: string;
  title: string;
  excerpt: string;
  published_at: string;
  updated_at: string;
  word_count: number;
  featured: boolean;
  breaking: boolean;
  /** Approved comments. */
  comment_count: number;
  comments_open: boolean;
  /** Behind a password (content/protection.ts): excerpt and body read blank. */
  protected: boolean;
  author: AuthorRef;
  category: CategoryRef;
  image: Image | null;
}

export interface Author extends AuthorRef {
  bio: string;
  avatar: Image | null;
}

export interface Category extends CategoryRef {
  description: string;
  parent_id: number | null;
  position: number;
}

export interface ArticleDetail extends ArticleSummary {
  body_html: string;
  seo_title: string;
  seo_description: string;
  author: Author;
  tags: TagRef[];
}

export interface StaticPage {
  id: number;
  slug: string;
  title: string;
  body_html: string;
  updated_at: string;
}

export interface ArticleFilter {
  /** A category and its descendants. */
  categoryIds?: number[];
  tagId?: number;
  authorId?: number;
  excludeIds?: number[];
}

export interface PageRequest {
  limit: number;
  offset: number;
}
