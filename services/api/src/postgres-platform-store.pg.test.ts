import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, inject } from 'vitest';

import { describePlatformStore } from './platform-store.test-suite.js';
import { PostgresPlatformStore } from './postgres-platform-store.js';
import type { PlatformStore } from './platform-store.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

// The suite's real PostgreSQL (started by the end-to-end global setup); each store in a schema of its own.
const url = inject('databaseUrl');
const schemas = new Map<PlatformStore, string>();

afterAll(async () => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  for (const schema of schemas.values()) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describePlatformStore({
  name: 'PostgreSQL',
  async open() {
    const schema = `api_test_${randomBytes(6).toString('hex')}`;
    const store = await PostgresPlatformStore.open(url, { schema });
    schemas.set(store, schema);
    return store;
  },
  replica: (of) => PostgresPlatformStore.open(url, { schema: schemas.get(of)! }),
});
