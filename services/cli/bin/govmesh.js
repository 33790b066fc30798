#!/usr/bin/env node
// The compiled program lives in dist/; `npm install` builds it (root postinstall).
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('govmesh is not built yet: run `npm run build` at the repository root\n');
  process.exit(1);
}
await import(main.href);
