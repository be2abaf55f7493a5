import { TtlCache } from '../shared/ttl-cache.js';
import type { ContentRepository } from '../content/repository.js';
import type { ArticleSummary, Category } from '../content/types.js';
import type { DB } from '../db/database.js';
import { searchIndexFor } from '../db/search/index.js';
import { badRequest, notFound } from '../shared/errors.js';
import { categoryWithDescendants } from '../web/theme/site-context.js';
import { analyzeWord, tokenize } from './analyzer.js';
import { parseQuery, type ParsedQuery, replaceWord } from './query.js';
import { snippet } from './snippet.js';

export interface SearchRequest {
  q: string;
  page: number;
  limit: number;
  category?: string;
  author?: string;
  tag?: string;
  /** YYYY-MM-DD, inclusive. */
  from?: string;
  /** YYYY-MM-DD, inclusive. */
  to?: string;
}

export interface SearchResultItem {
  article: ArticleSummary;
  score: number;
  /** HTML: escaped text with <mark> around matched words. */
  snippet: string;
}

export type SearchNotice = 'empty_query' | 'nothing_searchable' | 'truncated' | 'partial_match' | 'many_matches';

export interface SearchResponse {
  items: SearchResultItem[];
  total: number;
  page: number;
  pages: number;
  query: ParsedQuery;
  notices: SearchNotice[];
  /** A one-edit variant of the query that has results, when this one has none. */
  suggestion?: { q: string; total: number };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(name: 'from' | 'to', value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const d = new Date(`${value}T00:00:00.000Z`);
  // A day that does not exist (2020-02-31) would roll over silently: it must read back as written.
  if (!DATE.test(value) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw badRequest(name, 'التاريخ يجب أن يكون بالصيغة YYYY-MM-DD.', `${name} must be a date as YYYY-MM-DD.`);
  }
  if (name === 'to') d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

/** A last word at least this many articles contain as it stands is complete: it is not expanded as a prefix. */
const COMPLETE_WORD_ARTICLES = 20;
/** "Did you mean" compares spellings by how many articles use them, counted up to this many. */
const SPELLING_COUNT_CAP = 1000;

/** Searching published articles: query parsing, filters, ranking by the index, snippets and suggestions. */
export class SearchService {
  /**
   * "Did you mean" answers, for a few minutes: finding one looks up hundreds of spellings (0.03 s at 500,000
   * articles), and a misspelling of the day's story is typed again and again.
   */
  private readonly suggestions = new TtlCache<{ q: string; total: number } | undefined>(5 * 60_000, 2000);

  constructor(
    private readonly db: DB,
    private readonly content: ContentRepository,
  ) {}

  async search(req: SearchRequest, categories: Category[], now = new Date().toISOString()): Promise<SearchResponse> {
    const query = parseQuery(req.q, { prefixLast: true });
    const notices: SearchNotice[] = [];
    if (query.truncated) notices.push('truncated');
    const base = { items: [], total: 0, page: req.page, pages: 1, query };
    if (!req.q.trim()) return { ...base, notices: [...notices, 'empty_query'] };
    if (query.empty) return { ...base, notices: [...notices, 'nothing_searchable'] };

    const filters = { now, ...(await this.filters(req, categories)) };
    const index = searchIndexFor(this.db);
    // The last word matches as a prefix (search as you type) only while it may be unfinished: a word many
    // articles contain as it stands is taken as typed. Expanding a common stem merges the lists of every word
    // that starts with it (0.04 s at 500,000 articles for الرئيس, against 0.01 s for the word itself).
    const last = query.match.prefix;
    if (last && (await index.documentFrequencies([last], COMPLETE_WORD_ARTICLES)).get(last) === COMPLETE_WORD_ARTICLES)
      query.match = { ...query.match, terms: [...query.match.terms, last], prefix: undefined };
    const offset = (req.page - 1) * req.limit;
    let { hits, total, capped } = await index.search(query.match, filters, req.limit, offset);
    let suggestion: SearchResponse['suggestion'];
    const positives = query.match.terms.length + query.match.phrases.length + (query.match.prefix ? 1 : 0);
    if (total === 0) {
      const { now: _now, ...scope } = filters;
      suggestion = await this.suggestions.get(JSON.stringify([req.q, scope]), () => this.suggest(req, query, filters));
      // Nothing has every word: show what has most of them (BM25 ranks articles with more of the words first).
      if (positives > 1) {
        ({ hits, total, capped } = await index.search({ ...query.match, mode: 'any' }, filters, req.limit, offset));
        if (total > 0) notices.push('partial_match');
      }
    }
    if (capped) notices.push('many_matches');
    const articles = await this.content.summariesByIds(
      hits.map((h) => h.articleId),
      now,
    );
    const byId = new Map(hits.map((h) => [h.articleId, h]));
    const items = articles.map((article) => {
      const hit = byId.get(article.id)!;
      return { article, score: hit.score, snippet: snippet(hit.plain, query.highlight) };
    });
    const response: SearchResponse = {
      items,
      total,
      page: req.page,
      pages: Math.max(1, Math.ceil(total / req.limit)),
      query,
      notices,
      suggestion,
    };
    return response;
  }

  private async filters(req: SearchRequest, categories: Category[]) {
    const out: { categoryIds?: number[]; authorId?: number; tagId?: number; from?: string; to?: string } = {};
    if (req.category) {
      const c = categories.find((x) => x.slug === req.category);
      if (!c) throw notFound('Category');
      out.categoryIds = categoryWithDescendants(categories, c.id);
    }
    if (req.author) {
      const a = await this.content.authorBySlug(req.author);
      if (!a) throw notFound('Author');
      out.authorId = a.id;
    }
    if (req.tag) {
      const t = await this.content.tagBySlug(req.tag);
      if (!t) throw notFound('Tag');
      out.tagId = t.id;
    }
    out.from = parseDay('from', req.from);
    out.to = parseDay('to', req.to);
    if (out.from && out.to && out.from >= out.to) {
      throw badRequest('to', 'تاريخ النهاية يجب أن يلي تاريخ البداية.', 'to must not be before from.');
    }
    return out;
  }

  /**
   * "Did you mean": for each of the first words, every spelling one edit away
   * (a letter dropped, added, changed or two swapped) is analysed, and the
   * variant whose term the most articles contain wins, if the query then finds
   * anything.
   */
  private async suggest(
    req: SearchRequest,
    query: ParsedQuery,
    filters: Parameters<ReturnType<typeof searchIndexFor>['search']>[1],
  ): Promise<{ q: string; total: number } | undefined> {
    const index = searchIndexFor(this.db);
    let best: { word: string; variant: string; df: number } | undefined;
    // Only words the index has never seen can be misspelled; a known word is left as typed.
    const candidates = query.words.slice(0, 5).filter((w) => [...w].length >= 3 && [...w].length <= 20);
    const known = await index.documentFrequencies(
      candidates.map((w) => analyzeWord(w)),
      SPELLING_COUNT_CAP,
    );
    for (const word of candidates.filter((w) => !known.has(analyzeWord(w))).slice(0, 2)) {
      // Several spellings can share a term; the first generated (the closest-looking edit) names it.
      const variants = new Map<string, string>();
      for (const v of oneEditVariants(word)) {
        const term = analyzeWord(v);
        if (!variants.has(term)) variants.set(term, v);
      }
      variants.delete(analyzeWord(word));
      const df = await index.documentFrequencies([...variants.keys()], SPELLING_COUNT_CAP);
      for (const [term, n] of df) {
        if (!best || n > best.df) best = { word, variant: variants.get(term)!, df: n };
      }
    }
    if (!best) return undefined;
    const found = await index.search({ terms: [analyzeWord(best.variant)], phrases: [], excluded: [] }, filters, 1, 0);
    // Name the correction as the articles spell it (بوتين, not another spelling that stems alike).
    const spelled = found.hits[0]
      ? tokenize(found.hits[0].plain).find(
          (t) => t.term === analyzeWord(best!.variant) && editDistanceIsOne(t.normalized, best!.word),
        )
      : undefined;
    const q = replaceWord(req.q, best.word, spelled?.normalized ?? best.variant);
    // A one-word query corrected is the search just made; more words need their own count.
    const { total } =
      query.words.length === 1 ? found : await index.search(parseQuery(q, { prefixLast: true }).match, filters, 1, 0);
    return total > 0 ? { q, total } : undefined;
  }
}

function editDistanceIsOne(a: string, b: string): boolean {
  return oneEditVariants(b).has(a);
}

const ALPHABET = [...'ابتثجحخدذرزسشصضطظعغفقكلمنهويءةى', ...'abcdefghijklmnopqrstuvwxyz0123456789'];

/**
 * Every string one edit away, in the order a reader most likely slipped:
 * a letter changed, two swapped, one dropped, one added (letters of the
 * word's own script).
 */
export function oneEditVariants(word: string): Set<string> {
  const chars = [...word];
  const arabic = /[\u0600-\u06FF]/.test(word);
  const letters = ALPHABET.filter((c) => /[\u0600-\u06FF]/.test(c) === arabic);
  const out = new Set<string>();
  const at = (i: number, insert: string[], skip: number) =>
    [...chars.slice(0, i), ...insert, ...chars.slice(i + skip)].join('');
  for (let i = 0; i < chars.length; i++) for (const c of letters) out.add(at(i, [c], 1));
  for (let i = 0; i + 1 < chars.length; i++) out.add(at(i, [chars[i + 1]!, chars[i]!], 2));
  for (let i = 0; i < chars.length; i++) out.add(at(i, [], 1));
  for (let i = 0; i <= chars.length; i++) for (const c of letters) out.add(at(i, [c], 0));
  out.delete(word);
  return out;
}
