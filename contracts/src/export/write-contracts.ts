// `npm run contracts:export`: writes the JSON Schemas, samples and AsyncAPI document into
// contracts/schemas/, which is checked in; a test fails while it is stale.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { exportedFiles } from './contract-documents.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');
rmSync(root, { recursive: true, force: true });
const files = exportedFiles();
for (const [path, content] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
process.stdout.write(`wrote ${Object.keys(files).length} files to ${root}\n`);
