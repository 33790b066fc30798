import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqlitePlatformStore, type PlatformStore } from './platform-store.js';
import { describePlatformStore } from './platform-store.test-suite.js';

const files = new Map<PlatformStore, string>();

describePlatformStore({
  name: 'SQLite',
  open() {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-api-')), 'platform.sqlite');
    const store = new SqlitePlatformStore(file);
    files.set(store, file);
    return Promise.resolve(store);
  },
  replica: (of) => Promise.resolve(new SqlitePlatformStore(files.get(of)!)),
});
