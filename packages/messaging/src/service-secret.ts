import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where a laptop keeps the secret one govmesh service gives another to read its internal API
 * (e.g. the audit ledger's read model): in the data folder, mode 0600, made on first use.
 */
export function serviceSecretFile(dataDir: string, name: string): string {
  return join(dataDir, 'secrets', `${name}.secret`);
}

/**
 * The secret in `file`, made there the first time by whichever side reads it first. Outside a
 * laptop, give both sides the same value in the environment instead.
 */
export function readOrCreateServiceSecret(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // The other side made it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

/** Whether an `Authorization` header carries `secret` as its bearer token (in constant time). */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(secret);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The secret that guards the audit service's read model: the environment's, else the data folder's. */
export function auditReadSecret(config: { readonly GOVMESH_AUDIT_READ_SECRET?: string | undefined }, dataDir: string) {
  return config.GOVMESH_AUDIT_READ_SECRET ?? readOrCreateServiceSecret(serviceSecretFile(dataDir, 'audit-read'));
}
