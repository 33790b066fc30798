// `npm run contracts:export`: writes the JSON Schemas, samples and AsyncAPI document into
// contracts/schemas/, which is checked in, and the seed catalogue as data for the workflow; a test
// fails while either is stale.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { exportedFiles } from './contract-documents.js';
import { SEED_CONTRACTS_MODULE_PATH, seedContractsModule } from './seed-contracts-module.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = join(packageRoot, 'schemas');
rmSync(root, { recursive: true, force: true });
const files = exportedFiles();
for (const [path, content] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
writeFileSync(join(packageRoot, SEED_CONTRACTS_MODULE_PATH), seedContractsModule());
process.stdout.write(`wrote ${Object.keys(files).length} files to ${root}, and ${SEED_CONTRACTS_MODULE_PATH}\n`);
