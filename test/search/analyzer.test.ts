import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze, analyzeWord, normalize, stem, STOP_WORDS, tokenize } from '../../src/search/analyzer.js';

test('normalisation: hamza forms of alef, alef maqsura, teh marbuta', () => {
  assert.equal(normalize('أفغانستان'), 'افغانستان');
  assert.equal(normalize('إسلام'), 'اسلام');
  assert.equal(normalize('آسيا'), 'اسيا');
  assert.equal(normalize('ٱلله'), 'الله');
  assert.equal(normalize('مستشفى'), 'مستشفي');
  assert.equal(normalize('مكافحة'), 'مكافحه');
});

test('normalisation: harakat, shadda, sukun, tanween, superscript alef and tatweel are removed', () => {
  assert.equal(normalize('مُكَافَحَةُ'), 'مكافحه');
  assert.equal(normalize('شدّة'), 'شده');
  assert.equal(normalize('كتابًا'), 'كتابا');
  assert.equal(normalize('هٰذا'), 'هذا');
  assert.equal(normalize('الـــصين'), 'الصين');
});

test('normalisation: hamza on carriers is folded by default and can be kept', () => {
  assert.equal(normalize('مسؤول'), 'مسوول');
  assert.equal(normalize('رئيس'), 'رييس');
  assert.equal(normalize('مسؤول', { foldHamzaOnCarriers: false }), 'مسؤول');
  assert.equal(normalize('رئيس', { foldHamzaOnCarriers: false }), 'رئيس');
});

test('normalisation: Arabic-Indic and Persian digits, NFKC, Latin case and accents', () => {
  assert.equal(normalize('٢٠٢٤'), '2024');
  assert.equal(normalize('۱۴۰۳'), '1403');
  assert.equal(normalize('ﻻ'), 'لا', 'presentation forms become letters');
  assert.equal(normalize('Café DÉJÀ'), 'cafe deja');
});

test('light10: one prefix, only while two letters remain; و only from four-letter words', () => {
  assert.equal(stem('الصين'), 'صين');
  assert.equal(stem('والطريق'), 'طريق');
  assert.equal(stem('بالعاصمه'), 'عاصم');
  assert.equal(stem('كالعاده'), 'عاد');
  assert.equal(stem('فالامر'), 'امر');
  assert.equal(stem('للتعاون'), 'تعا', 'light10 also takes ون: over-stemming is shared by index and query');
  assert.equal(stem('وروسيا'), 'روسيا');
  assert.equal(stem('ولد'), 'ولد', 'و is kept in a three-letter word');
  assert.equal(stem('الف'), 'الف', 'ال is kept when fewer than two letters would remain');
});

test('light10: suffixes in order, each once, while two letters remain', () => {
  assert.equal(stem('صيني'), 'صين');
  assert.equal(stem('اولمبيه'), 'اولمب');
  assert.equal(stem('مكافحه'), 'مكافح');
  assert.equal(stem('افغانستان'), 'افغانست');
  assert.equal(stem('معلمات'), 'معلم');
  assert.equal(stem('لاعبون'), 'لاعب');
  assert.equal(stem('مهندسين'), 'مهندس');
  assert.equal(stem('كتابها'), 'كتاب');
  assert.equal(stem('به'), 'به');
});

test('the same word in any spelling gets the same term', () => {
  const groups = [
    ['أفغانستان', 'افغانستان', 'وأفغانستان', 'بأفغانستان'.slice(1)],
    ['الأولمبية', 'الاولمبية', 'الأولمبيّة', 'الاولمبيه'],
    ['مُكافحة', 'مكافحه', 'المكافحة', 'مكافحة'],
    ['روسيا', 'وروسيا'],
    ['الصيني', 'صيني', 'الصينية', 'الصين'],
  ];
  for (const group of groups) {
    const terms = new Set(group.map((w) => analyzeWord(w)));
    assert.equal(terms.size, 1, `${group.join(' / ')} → ${[...terms].join(' / ')}`);
  }
});

test('analyze drops stop words but never empties a query', () => {
  assert.deepEqual(analyze('الاجتماع في بكين مع بوتين'), ['اجتماع', 'بك', 'بوت']);
  assert.deepEqual(analyze('the Belt and Road'), ['belt', 'road']);
  assert.deepEqual(analyze('في من على'), ['في', 'من', 'عل']);
  assert.ok(STOP_WORDS.has(normalize('إلى')));
});

test('tokens keep the original word and its position for highlighting', () => {
  const text = 'قال مُكافحة الوباء';
  const tokens = tokenize(text);
  assert.deepEqual(
    tokens.map((t) => [t.original, t.term, t.start]),
    [
      ['قال', 'قال', 0],
      ['مُكافحة', 'مكافح', 4],
      ['الوباء', 'وباء', 12],
    ],
  );
  assert.equal(text.slice(tokens[1]!.start, tokens[1]!.start + tokens[1]!.original.length), 'مُكافحة');
});

test('mixed Arabic and English text', () => {
  assert.deepEqual(analyze('شركة Apple تطلق iPhone الجديد'), ['شرك', 'apple', 'تطلق', 'iphone', 'جديد']);
});
