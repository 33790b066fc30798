import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

import type { alterUserScramCredentialsV0 } from '@platformatic/kafka';

import { KafkaUnreachable } from './kafka-admin.js';
import type { KafkaCredentials, KafkaTls } from './kafka-security.js';

const SASL_MECHANISMS = { 'scram-sha-512': 'SCRAM-SHA-512', 'scram-sha-256': 'SCRAM-SHA-256', plain: 'PLAIN' } as const;

/** Kafka's SCRAM mechanism numbers on the wire (KIP-554). */
const SCRAM_SHA_512 = 2;
/** RFC 7677 asks for at least 4096; Kafka refuses fewer. */
const ITERATIONS = 8192;

/**
 * How long the broker has to answer the change, connection included. @platformatic/kafka 1.22 (the
 * last release whose dependencies install on Node 20 without engine warnings) has no request
 * timeout of its own, so it is kept here.
 */
const ANSWER_WITHIN_MS = 10_000;

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
 * Creates, re-keys and revokes SCRAM-SHA-512 users through the broker's own admin API
 * (AlterUserScramCredentials, KIP-554). kafkajs has no such call; @platformatic/kafka speaks the
 * protocol message, so no Java runs beside the API. The salted password is computed here, as the
 * Java admin client does, so the secret itself never crosses the wire. The broker's refusal is
 * `ScramUserChangeRefused`; a broker that cannot be reached or does not answer within 10 s is
 * `KafkaUnreachable` (retriable), after which the change may be asked for again.
 */
export class ScramUsers {
  constructor(
    private readonly brokers: readonly string[],
    /**
     * A principal allowed to alter the cluster (SCRAM on a broker's listener, or PLAIN on the
     * embedded controller's); undefined on an open cluster, where no user can be made.
     */
    private readonly admin: KafkaCredentials | undefined,
    private readonly tls?: KafkaTls,
    private readonly options: { answerWithinMs?: number } = {},
  ) {}

  /** Creates the user, or gives it a new password (the old one stops working at once). */
  async upsert(user: string, password: string): Promise<void> {
    const salt = randomBytes(32);
    const saltedPassword = pbkdf2Sync(password, salt, ITERATIONS, 64, 'sha512');
    await this.alter([{ name: user, mechanism: SCRAM_SHA_512, iterations: ITERATIONS, salt, saltedPassword }]);
  }

  /**
   * Revokes the user: its credential is replaced by one whose password nobody holds, so every
   * connection it opens from now on is refused. Not a deletion: on Kafka 4.4 a broker restarted
   * over a metadata log with several REMOVE_USER_SCRAM_CREDENTIAL records lost *every* SCRAM user
   * (reproduced: 10 create-and-delete pairs, then a restart; 6 pairs or 40 creates did not), so
   * govmesh never writes one.
   */
  async revoke(user: string): Promise<void> {
    await this.upsert(user, newSecret());
  }

  private async alter(
    upsertions: alterUserScramCredentialsV0.AlterUserScramCredentialsRequestUpsertions[],
  ): Promise<void> {
    const user = upsertions[0]?.name ?? '?';
    const admin = this.admin;
    if (!admin)
      throw new ScramUserChangeRefused(
        user,
        'this process has no Kafka credentials of its own (set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)',
      );
    // Loaded here, not at the top: @platformatic/kafka compiles its option schemas when imported
    // (about half a second), which every process importing this package would pay at start.
    const { Connection, alterUserScramCredentialsV0: alterScram } = await import('@platformatic/kafka');
    const connection = new Connection('govmesh-credentials', {
      connectTimeout: 5_000,
      sasl: { mechanism: SASL_MECHANISMS[admin.mechanism], username: admin.username, password: admin.password },
      ...(this.tls ? { tls: { ...this.tls } } : {}),
    });
    const [host = '127.0.0.1', port = '9092'] = (this.brokers[0] ?? '').split(':');
    const started = Date.now();
    const answerWithinMs = this.options.answerWithinMs ?? ANSWER_WITHIN_MS;
    try {
      // One deadline over the connection, its SASL exchange and the request: the client's own
      // connect timeout covers only the TCP connection, and a broker that accepted it but never
      // answered would hold onboarding for ever.
      const response = await withinDeadline(
        (async () => {
          await connection.connect(host, Number(port));
          return alterScram.api.async(connection, [], upsertions);
        })(),
        answerWithinMs,
        `the broker at ${host}:${port} did not answer within ${answerWithinMs / 1000} s`,
      );
      const refused = response.results.find((r) => r.errorCode !== 0);
      if (refused)
        throw new ScramUserChangeRefused(
          refused.user,
          plainReason(refused.errorMessage ?? `error code ${refused.errorCode}`),
        );
    } catch (err) {
      if (err instanceof ScramUserChangeRefused) throw err;
      // A refusal at the protocol level arrives as an error whose response carries the per-user results.
      const response = (err as { response?: alterUserScramCredentialsV0.AlterUserScramCredentialsResponse }).response;
      if (!response && signInRefused(err))
        throw new ScramUserChangeRefused(
          user,
          `the broker refused this process's own sign-in as ${admin.username} (check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)`,
        );
      if (!response) throw new KafkaUnreachable(`change the SASL user ${user}`, Date.now() - started, err);
      const result = response.results.find((r) => r.errorCode !== 0);
      throw new ScramUserChangeRefused(
        result?.user ?? user,
        plainReason(result?.errorMessage ?? (err as Error).message),
      );
    } finally {
      // close() ends the socket and waits for the broker to close its side, which a broker that
      // stopped answering never does: wait a moment, then drop the socket.
      await withinDeadline(connection.close(), 1_000, 'closing').catch(() => undefined);
      (connection.socket as Socket | undefined)?.destroy();
    }
  }
}

function withinDeadline<T>(work: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(reason)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Whether the client's error, or one it was caused by, is its failed SASL exchange (not a lost connection). */
function signInRefused(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === 'PLT_KFK_AUTHENTICATION') return true;
  return false;
}

/**
 * Kafka words a missing ACL as a dump of its internal request object followed by "needs ALTER
 * permission."; the dump names connection internals and helps nobody, so only the rule is kept.
 */
function plainReason(message: string): string {
  const needs = /needs (\w+) permission\.?$/.exec(message);
  return needs ? `this process's Kafka principal lacks the cluster's ${needs[1]} permission` : message;
}
