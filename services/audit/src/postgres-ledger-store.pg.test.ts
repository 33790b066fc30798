import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, inject } from 'vitest';

import { describeLedgerStore } from './ledger-store.test-suite.js';
import { PostgresLedgerStore } from './postgres-ledger-store.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

// The suite's real PostgreSQL (started by the end-to-end global setup); each ledger in a schema of its own.
const url = inject('databaseUrl');
const schemas: string[] = [];

afterAll(async () => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describeLedgerStore({
  name: 'PostgreSQL',
  async open() {
    const schema = `ledger_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const raw = async <T>(use: (client: pg.Client) => Promise<T>): Promise<T> => {
      const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await client.connect();
      try {
        return await use(client);
      } finally {
        await client.end();
      }
    };
    return {
      store: await PostgresLedgerStore.open(url, { schema }),
      reader: () => PostgresLedgerStore.open(url, { schema, readonly: true }),
      secondWriter: () => PostgresLedgerStore.open(url, { schema }),
      sql: (statement) => raw(async (c) => void (await c.query(statement))),
      text: (statement) => raw(async (c) => Object.values((await c.query(statement)).rows[0] as object)[0] as string),
      dropUpdateGuard: () =>
        raw(async (c) => void (await c.query('DROP TRIGGER ledger_records_no_update ON ledger_records'))),
    };
  },
});
