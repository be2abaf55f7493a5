import { openDatabase } from './src/db/database.ts';
import { ContentRepository } from './src/content/repository.ts';
import { SearchService } from './src/search/service.ts';
import { RELEVANCE_SET } from './bench/relevance-set.ts';
const d = openDatabase(process.argv[2]);
const repo = new ContentRepository(d.db);
const s = new SearchService(d.db, repo);
const cats = await repo.categories();
const ids = new Map((await d.db.selectFrom('articles').select(['id', 'source_id']).execute()).map((r) => [r.id, r.source_id?.slice(7)]));
for (const c of RELEVANCE_SET) {
  const r = await s.search({ q: c.q, page: 1, limit: 10 }, cats);
  const got = r.items.map((i) => ids.get(i.article.id));
  const rank = got.findIndex((x) => c.expect.includes(x!));
  if (rank !== 0) console.log(rank, c.q, '| total', r.total, '| top:', r.items[0]?.article.title.slice(0, 50), r.suggestion ? JSON.stringify(r.suggestion) : '');
}
await d.close();
