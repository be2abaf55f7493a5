#!/usr/bin/env node
// Bundles the admin's browser script (TipTap editor and form helpers) with esbuild into build/admin/.
// Run by `npm run build`; the server serves the result hashed from memory.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/admin/assets/editor.ts'],
  outfile: 'build/admin/editor.js',
  bundle: true,
  format: 'iife',
  minify: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  legalComments: 'none',
  logLevel: 'warning',
});
