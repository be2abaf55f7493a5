import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

/**
 * Every setting Safir reads from the environment is documented for operators: in README.md's table (one node)
 * or docs/scale-out.md's (several nodes). A new variable without a line there fails here.
 */
test('every environment variable Safir reads is in a settings table of README.md or docs/scale-out.md', () => {
  const sources = ['src/config.ts', 'src/serve.ts', 'src/media/storage/s3-store.ts'].map((f) =>
    readFileSync(f, 'utf8'),
  );
  const read = new Set<string>();
  for (const text of sources) for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) read.add(m[1]!);
  assert.ok(read.size >= 25, `${read.size} variables found`);
  const tables = ['README.md', 'docs/scale-out.md']
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n')
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .join('\n');
  // Alternative spellings the AWS SDK accepts are covered by their documented main names.
  const aliases: Record<string, string> = {
    AWS_DEFAULT_REGION: 'AWS_REGION',
    AWS_ENDPOINT_URL: 'AWS_ENDPOINT_URL_S3',
    AWS_S3_FORCE_PATH_STYLE: 'AWS_ENDPOINT_URL_S3',
  };
  const missing = [...read].filter(
    (v) => !tables.includes(`\`${aliases[v] ?? v}\``) && !tables.includes(aliases[v] ?? v),
  );
  assert.deepEqual(missing, [], 'variables no settings table documents');
});

test('the systemd unit starts the built CLI the package installs, with the settings from an environment file', () => {
  const unit = readFileSync('deploy/systemd/safir.service', 'utf8');
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
  assert.match(unit, /^ExecStart=\/usr\/bin\/node \/opt\/safir\/dist\/cli\.js serve$/m);
  assert.match(readFileSync(pkg.bin.safir!, 'utf8'), /dist\/cli\.js/);
  assert.match(unit, /^EnvironmentFile=/m);
  assert.match(unit, /^KillSignal=SIGTERM$/m);
});
