import { join } from 'node:path';

import {
  AuditReadModelEnv,
  DatabaseUrl,
  DataDirEnv,
  PlatformEnv,
  SchemaName,
  auditReadSecret,
  loadProcessConfig,
} from '@govmesh/messaging';
import { z } from 'zod';

/**
 * Where the ledger and its signing key live; only the audit service and its own admin commands
 * (`govmesh-audit verify|export|…`) open them. Defaults sit beside the embedded engines' data;
 * GOVMESH_DATABASE_URL puts the ledger on PostgreSQL instead (the key stays a file).
 */
export const LedgerLocationEnv = z
  .object({
    GOVMESH_AUDIT_DB: z.string().min(1).optional(),
    /** The ledger on PostgreSQL (several audit replicas, a managed database) instead of the SQLite file. */
    GOVMESH_DATABASE_URL: DatabaseUrl.optional(),
    /** The schema of the ledger's tables in that database. */
    GOVMESH_AUDIT_DB_SCHEMA: SchemaName.default('govmesh_audit'),
    /** PEM, PKCS#8, Ed25519. Made on first use when the default file does not exist. */
    GOVMESH_AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  })
  .and(DataDirEnv)
  .transform((e) => {
    const { dataDir } = e;
    return {
      dataDir,
      ledgerFile: e.GOVMESH_AUDIT_DB ?? join(dataDir, 'audit', 'ledger.sqlite'),
      databaseUrl: e.GOVMESH_DATABASE_URL,
      databaseSchema: e.GOVMESH_AUDIT_DB_SCHEMA,
      signingKeyFile: e.GOVMESH_AUDIT_SIGNING_KEY_FILE ?? join(dataDir, 'audit', 'ledger-signing-key.pem'),
    };
  });
export type LedgerLocation = z.infer<typeof LedgerLocationEnv>;

/** The ledger's location for the admin commands, which report a bad variable in their own way. */
export function readLedgerLocation(env: Record<string, string | undefined> = process.env) {
  return LedgerLocationEnv.safeParse(env);
}

const AuditEnv = PlatformEnv.extend({
  ...AuditReadModelEnv.shape,
  /** How often the partner standings on govmesh.partner-standings are brought up to date. */
  GOVMESH_AUDIT_STANDINGS_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
  GOVMESH_AUDIT_GROUP: z.string().min(1).default('govmesh-audit'),
  GOVMESH_AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(1_000),
  GOVMESH_AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /**
   * The read model's snapshot of its tallies (default: beside the ledger, in the data folder), so
   * that a start reads only the ledger's records after it; a cache, rebuilt from the ledger when
   * it does not match.
   */
  GOVMESH_AUDIT_SNAPSHOT_FILE: z.string().min(1).optional(),
  /** A new snapshot once the read model has read this many records since the last (and at a stop). */
  GOVMESH_AUDIT_SNAPSHOT_EVERY: z.coerce.number().int().min(1_000).default(250_000),
  /** Fault injection for the recovery test: die (SIGKILL) after this many appended batches, before committing. */
  GOVMESH_AUDIT_KILL_AFTER_BATCHES: z.coerce.number().int().min(1).optional(),
});

export type AuditConfig = z.infer<typeof AuditEnv> &
  LedgerLocation & {
    /** The bearer secret the read model asks for (GOVMESH_AUDIT_READ_SECRET, or the data folder's). */
    readonly readSecret: string;
    readonly snapshotFile: string;
  };

export function loadConfig(env: Record<string, string | undefined> = process.env): AuditConfig {
  const audit = loadProcessConfig('audit', AuditEnv, env);
  const where = loadProcessConfig('audit', LedgerLocationEnv, env);
  return {
    ...audit,
    ...where,
    readSecret: auditReadSecret(audit, where.dataDir),
    snapshotFile: audit.GOVMESH_AUDIT_SNAPSHOT_FILE ?? join(where.dataDir, 'audit', 'read-model.snapshot'),
  };
}
