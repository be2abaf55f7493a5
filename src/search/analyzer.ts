/**
 * The Arabic analyzer: one function turns text into search terms, at index
 * time and at query time, so that a reader's spelling and the article's
 * spelling meet in the middle.
 *
 * 1. Normalisation — Lucene's ArabicNormalizer plus what news text needs:
 *    NFKC; tatweel and harakat (fathatan … sukun, superscript alef, Quranic
 *    marks) removed; أ إ آ ٱ → ا; ى → ي; ة → ه; optionally ؤ → و and ئ → ي;
 *    Arabic-Indic and Persian digits → 0–9; Latin lowercased with accents folded.
 * 2. Tokenising on anything that is not a letter or a digit.
 * 3. Stop words (short Arabic and English lists) dropped, unless that would
 *    leave nothing.
 * 4. Light stemming, Larkey's light10 as Lucene's ArabicStemmer implements it:
 *    at most one prefix of ال وال بال كال فال لل و (و only from words of four
 *    letters or more; at least two letters must remain), then each suffix of
 *    ها ان ات ون ين يه ية ه ة ي in that order, once each, while two letters remain.
 *    Latin words are not stemmed.
 */
export interface AnalyzerOptions {
  /** Fold ؤ → و and ئ → ي (on by default: readers often type the bare letter). */
  foldHamzaOnCarriers?: boolean;
}

const HARAKAT = /[\u064B-\u065F\u0670\u0610-\u061A\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED\u0640]/g;
const COMBINING = /[\u0300-\u036f]/g;
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;
const ARABIC_LETTER = /[\u0621-\u064A]/;

const DIGITS: Record<string, string> = {};
for (let i = 0; i < 10; i++) {
  DIGITS[String.fromCharCode(0x0660 + i)] = String(i); // Arabic-Indic
  DIGITS[String.fromCharCode(0x06f0 + i)] = String(i); // Persian (Extended Arabic-Indic)
}

/** Normalises text without splitting it: the form both sides of a match are compared in. */
export function normalize(text: string, opts: AnalyzerOptions = {}): string {
  let s = text.normalize('NFKC').replace(HARAKAT, '');
  s = s
    .replace(/[\u0622\u0623\u0625\u0671]/g, '\u0627') // آ أ إ ٱ → ا
    .replace(/\u0649/g, '\u064A') // ى → ي
    .replace(/\u0629/g, '\u0647') // ة → ه
    .replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (d) => DIGITS[d]!);
  if (opts.foldHamzaOnCarriers !== false) s = s.replace(/\u0624/g, '\u0648').replace(/\u0626/g, '\u064A'); // ؤ → و, ئ → ي
  // Latin: lowercase and fold accents (é → e); decomposing touches no Arabic letter we kept.
  return s.toLowerCase().normalize('NFKD').replace(COMBINING, '').normalize('NFC');
}

const PREFIXES = ['ال', 'وال', 'بال', 'كال', 'فال', 'لل', 'و'];
const SUFFIXES = ['ها', 'ان', 'ات', 'ون', 'ين', 'يه', 'ية', 'ه', 'ة', 'ي'];

/** Light10 stemming of one normalised Arabic word (see the module comment for the rules). */
export function stem(word: string): string {
  let w = word;
  for (const p of PREFIXES) {
    if (p.length === 1 ? w.length >= 4 && w.startsWith(p) : w.length >= p.length + 2 && w.startsWith(p)) {
      w = w.slice(p.length);
      break;
    }
  }
  for (const s of SUFFIXES) {
    if (w.length >= s.length + 2 && w.endsWith(s)) w = w.slice(0, -s.length);
  }
  return w;
}

const STOP_SOURCE = {
  ar: `في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين اللذين اللتين أن إن ان كان كانت يكون قد لقد لا ما لم لن
       و أو او ثم بل بين كل هو هي هم هن نحن أنا انت أنت أي اي حتى إذا اذا لكن لكنه عند عندما منذ كما أيضا ايضا فيه فيها
       به بها له لها لهم منه منها عليه عليها إليه اليه وقد وكان وفي ومن وعلى وهو وهي وأن وان ولا ما بعد قبل حيث غير`,
  en: `a an and are as at be by for from has have in is it its of on or that the this to was were will with`,
};

/** The stop words in normalised form, so that أن and ان both count. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  [...STOP_SOURCE.ar.split(/\s+/), ...STOP_SOURCE.en.split(/\s+/)].filter(Boolean).map((w) => normalize(w)),
);

export interface Token {
  /** The word as written (for highlighting). */
  original: string;
  /** Normalised form. */
  normalized: string;
  /** The search term: the light stem for Arabic words, the normalised word otherwise. */
  term: string;
  /** Start offset of `original` in the analysed text. */
  start: number;
}

/** Splits text into tokens with their terms; every word, stop words included. */
export function tokenize(text: string, opts: AnalyzerOptions = {}): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const normalized = normalize(m[0], opts);
    if (!normalized) continue;
    out.push({ original: m[0], normalized, term: termOf(normalized), start: m.index ?? 0 });
  }
  return out;
}

function termOf(normalized: string): string {
  return ARABIC_LETTER.test(normalized) ? stem(normalized) : normalized;
}

/** The search terms of a text, in order, stop words dropped unless nothing else is left. */
export function analyze(text: string, opts: AnalyzerOptions = {}): string[] {
  const tokens = tokenize(text, opts);
  const kept = tokens.filter((t) => !STOP_WORDS.has(t.normalized));
  return (kept.length ? kept : tokens).map((t) => t.term);
}

/** The term of one word (a query word, a word to highlight). */
export function analyzeWord(word: string, opts: AnalyzerOptions = {}): string {
  return termOf(normalize(word, opts));
}
