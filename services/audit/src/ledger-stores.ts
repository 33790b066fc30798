import { existsSync } from 'node:fs';

import type { LedgerLocation } from './config.js';
import type { LedgerStore } from './ledger-store.js';
import { PostgresLedgerStore } from './postgres-ledger-store.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

/** The ledger where the configuration puts it: PostgreSQL when GOVMESH_DATABASE_URL is set, else the SQLite file. */
export async function openLedgerStore(
  where: LedgerLocation,
  options: { readonly readonly?: boolean; readonly mustExist?: boolean } = {},
): Promise<LedgerStore> {
  if (where.databaseUrl)
    return PostgresLedgerStore.open(where.databaseUrl, {
      schema: where.databaseSchema,
      ...(options.readonly ? { readonly: true } : {}),
    });
  if (options.mustExist && !existsSync(where.ledgerFile)) throw new LedgerNotFound(where.ledgerFile);
  return new SqliteLedgerStore(where.ledgerFile, options.readonly ? { readonly: true } : {});
}

/** The admin commands read a ledger the service made; they never make an empty one. */
export class LedgerNotFound extends Error {
  readonly code = 'AUDIT.LEDGER_NOT_FOUND';
  readonly retriable = false;
  constructor(readonly file: string) {
    super(`no audit ledger at ${file}: start the audit service (npm start) or set GOVMESH_AUDIT_DB`);
  }
}

/** Where the ledger is, for logs: never the database password. */
export function describeLedgerLocation(where: LedgerLocation): string {
  if (!where.databaseUrl) return where.ledgerFile;
  const url = new URL(where.databaseUrl);
  return `postgres://${url.host}${url.pathname} (schema ${where.databaseSchema})`;
}
