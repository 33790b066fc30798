import { pbkdf2Sync, randomBytes } from 'node:crypto';

import { Connection, alterUserScramCredentialsV0 } from '@platformatic/kafka';

import type { KafkaCredentials } from './kafka-security.js';

/** Kafka's SCRAM mechanism numbers on the wire (KIP-554). */
const SCRAM_SHA_512 = 2;
/** RFC 7677 asks for at least 4096; Kafka refuses fewer. */
const ITERATIONS = 8192;

/** Raised when the broker refuses to change a SASL user; names the user and the broker's reason. */
export class ScramUserChangeRefused extends Error {
  override readonly name = 'ScramUserChangeRefused';
  readonly code = 'KAFKA.USER_CHANGE_REFUSED';
  readonly retriable = false;
  constructor(
    readonly user: string,
    reason: string,
  ) {
    super(`Kafka refused to change the SASL user ${user}: ${reason}`);
  }
}

/** A new secret for a SASL user: 32 random bytes, URL-safe, never logged. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Creates, re-keys and deletes SCRAM-SHA-512 users through the broker's own admin API
 * (AlterUserScramCredentials, KIP-554). kafkajs has no such call; @platformatic/kafka speaks the
 * protocol message, so no Java runs beside the API. The salted password is computed here, as the
 * Java admin client does, so the secret itself never crosses the wire.
 */
export class ScramUsers {
  constructor(
    private readonly brokers: readonly string[],
    /** A principal allowed to alter the cluster; undefined on an open cluster, where no user can be made. */
    private readonly admin: KafkaCredentials | undefined,
  ) {}

  /** Creates the user, or gives it a new password (the old one stops working at once). */
  async upsert(user: string, password: string): Promise<void> {
    const salt = randomBytes(32);
    const saltedPassword = pbkdf2Sync(password, salt, ITERATIONS, 64, 'sha512');
    await this.alter([], [{ name: user, mechanism: SCRAM_SHA_512, iterations: ITERATIONS, salt, saltedPassword }]);
  }

  /** Deletes the user; connections it opens from now on are refused. A user that is gone is fine. */
  async delete(user: string): Promise<void> {
    await this.alter([{ name: user, mechanism: SCRAM_SHA_512 }], [], ['RESOURCE_NOT_FOUND']);
  }

  private async alter(
    deletions: alterUserScramCredentialsV0.AlterUserScramCredentialsRequestDeletions[],
    upsertions: alterUserScramCredentialsV0.AlterUserScramCredentialsRequestUpsertions[],
    tolerated: readonly string[] = [],
  ): Promise<void> {
    const admin = this.admin;
    if (!admin) {
      throw new ScramUserChangeRefused(upsertions[0]?.name ?? deletions[0]?.name ?? '?', 'this process has no Kafka credentials of its own (set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)');
    }
    if (admin.mechanism !== 'scram-sha-512') {
      throw new ScramUserChangeRefused(upsertions[0]?.name ?? deletions[0]?.name ?? '?', `this process authenticates with ${admin.mechanism}; user changes are made as a SCRAM-SHA-512 principal`);
    }
    const connection = new Connection('govmesh-credentials', {
      connectTimeout: 5_000,
      requestTimeout: 10_000,
      sasl: { mechanism: 'SCRAM-SHA-512', username: admin.username, password: admin.password },
    });
    const [host = '127.0.0.1', port = '9092'] = (this.brokers[0] ?? '').split(':');
    try {
      await connection.connect(host, Number(port));
      const response = await alterUserScramCredentialsV0.api.async(connection, deletions, upsertions);
      for (const result of response.results) {
        // 91 is RESOURCE_NOT_FOUND: deleting a user that has no credential.
        if (result.errorCode === 0 || (result.errorCode === 91 && tolerated.includes('RESOURCE_NOT_FOUND'))) continue;
        throw new ScramUserChangeRefused(result.user, result.errorMessage ?? `error code ${result.errorCode}`);
      }
    } catch (err) {
      if (err instanceof ScramUserChangeRefused) throw err;
      // A protocol-level refusal arrives as an error whose response carries the per-user results.
      const results = (err as { response?: alterUserScramCredentialsV0.AlterUserScramCredentialsResponse }).response?.results;
      const refused = results?.filter((r) => r.errorCode !== 0 && !(r.errorCode === 91 && tolerated.includes('RESOURCE_NOT_FOUND')));
      if (results && refused?.length === 0) return;
      const first = refused?.[0];
      throw new ScramUserChangeRefused(first?.user ?? (upsertions[0]?.name ?? deletions[0]?.name ?? '?'), first?.errorMessage ?? (err as Error).message);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
}
