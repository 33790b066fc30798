import { homedir } from 'node:os';
import { join } from 'node:path';

import { PlatformEnv, loadProcessConfig } from '@govmesh/messaging';
import { z } from 'zod';

/**
 * Where the ledger and its signing key live; read by the audit service, by the worker (for
 * partner scores) and by `govmesh audit`. Defaults sit beside the embedded engines' data.
 */
export const LedgerLocationEnv = z
  .object({
    HOME: z.string().optional(),
    XDG_STATE_HOME: z.string().optional(),
    GOVMESH_DATA_DIR: z.string().optional(),
    GOVMESH_AUDIT_DB: z.string().min(1).optional(),
    /** PEM, PKCS#8, Ed25519. Made on first use when the default file does not exist. */
    GOVMESH_AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  })
  .transform((e) => {
    const dataDir =
      e.GOVMESH_DATA_DIR ?? join(e.XDG_STATE_HOME ?? join(e.HOME ?? homedir(), '.local', 'state'), 'govmesh');
    return {
      dataDir,
      ledgerFile: e.GOVMESH_AUDIT_DB ?? join(dataDir, 'audit', 'ledger.sqlite'),
      signingKeyFile: e.GOVMESH_AUDIT_SIGNING_KEY_FILE ?? join(dataDir, 'audit', 'ledger-signing-key.pem'),
    };
  });
export type LedgerLocation = z.infer<typeof LedgerLocationEnv>;

const AuditEnv = PlatformEnv.extend({
  GOVMESH_AUDIT_GROUP: z.string().min(1).default('govmesh-audit'),
  GOVMESH_AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(1_000),
  GOVMESH_AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** Fault injection for the recovery test: die (SIGKILL) after this many appended batches, before committing. */
  GOVMESH_AUDIT_KILL_AFTER_BATCHES: z.coerce.number().int().min(1).optional(),
});

export type AuditConfig = z.infer<typeof AuditEnv> & LedgerLocation;

export function loadConfig(env: Record<string, string | undefined> = process.env): AuditConfig {
  return { ...loadProcessConfig('audit', AuditEnv, env), ...loadProcessConfig('audit', LedgerLocationEnv, env) };
}
