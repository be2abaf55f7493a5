import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The shared Arabic news corpus, read where it lies (beside the repository); never copied in. */
export const CORPUS_FILE = resolve(
  process.env.SAFIR_CORPUS ?? resolve(process.cwd(), '../shared/corpus/arabic-news.jsonl'),
);

export const corpusAvailable = existsSync(CORPUS_FILE);
