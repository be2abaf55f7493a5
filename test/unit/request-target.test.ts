import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRequestTarget } from '../../src/web/request-target.js';

test('canonical targets pass untouched, Arabic slugs and queries included', () => {
  for (const ok of [
    '/',
    '/admin/users',
    '/article/%D8%B3%D9%84%D8%A7%D9%85?cpage=2',
    '/feed.xml',
    '/sitemaps/articles-1.xml',
    '/search?q=%D8%B1%D9%88%D8%B3%D9%8A%D8%A7+%D8%A8%D9%88%D8%AA%D9%8A%D9%86&page=2',
    '/.well-known/security.txt',
    '/a/b...c',
  ])
    assert.deepEqual(checkRequestTarget(ok), { kind: 'canonical' }, ok);
});

test('other spellings of a path redirect to its one canonical form', () => {
  const cases: [string, string][] = [
    ['/%61dmin/users', '/admin/users'],
    ['/adm%69n/users', '/admin/users'],
    ['/%41dmin/users', '/Admin/users'],
    ['//admin/users', '/admin/users'],
    ['/admin//users', '/admin/users'],
    ['/admin/./users', '/admin/users'],
    ['/admin/%2e/users', '/admin/users'],
    ['/admin/%2E%2E/admin/users', '/admin/users'],
    ['/x/../admin/users?a=1', '/admin/users?a=1'],
    ['/admin/users/', '/admin/users'],
    ['/admin/users/.', '/admin/users'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/tag/%d8%b3', '/tag/%D8%B3'],
    ['http://example.com/admin/users?x=1', '/admin/users?x=1'],
    ['HTTPS://example.com', '/'],
    ['/api/v1/%61dmin/articles', '/api/v1/admin/articles'],
  ];
  for (const [target, location] of cases)
    assert.deepEqual(checkRequestTarget(target), { kind: 'redirect', location }, target);
});

test('targets no canonical form can repair are invalid', () => {
  for (const bad of [
    '*',
    'admin/users',
    'ftp://example.com/admin',
    '/admin%2Fusers',
    '/admin%5Cusers',
    '/admin\\users',
    '/tag/%',
    '/tag/%ZZ',
    '/tag/%D8',
    '/tag/%00',
    '/tag/a%0Ab',
    '/search?q=%00',
    '/search?q=%FF',
    '/search?q=%ED%A0%80',
    '/search?q=%',
  ])
    assert.deepEqual(checkRequestTarget(bad), { kind: 'invalid' }, bad);
});
