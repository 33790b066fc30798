import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * kafkajs errors that mean "that broker cannot be reached now", not "the request is wrong".
 * After a broker dies, the controller keeps it as partition leader until its session times out
 * (about 9 s), and kafkajs's admin calls such as `fetchTopicOffsets` give up at the first refused
 * connection to it instead of asking again: so a service that starts in that window must.
 */
export function isBrokerUnreachable(err: unknown): boolean {
  const e = err as { name?: string; retriable?: boolean } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.retriable === true) return true;
  return (
    e.name === 'KafkaJSConnectionError' ||
    e.name === 'KafkaJSConnectionClosedError' ||
    e.name === 'KafkaJSRequestTimeoutError' ||
    e.name === 'KafkaJSBrokerNotFound' ||
    // A broker killed while its connection authenticates fails the SASL exchange, not the socket.
    (e.name === 'KafkaJSSASLAuthenticationError' && /Not connected/.test((e as { message?: string }).message ?? '')) ||
    // kafkajs's own retries ran out on one of the above: ours have a longer horizon.
    (e.name === 'KafkaJSNumberOfRetriesExceeded' && isBrokerUnreachable((e as { cause?: unknown }).cause))
  );
}

/** Raised when the brokers stayed unreachable for the whole wait; names the operation and the last error. */
export class KafkaUnreachable extends Error {
  override readonly name = 'KafkaUnreachable';
  readonly code = 'KAFKA_UNREACHABLE';
  readonly retriable = true;
  constructor(
    readonly operation: string,
    readonly waitedMs: number,
    cause: unknown,
  ) {
    super(
      `Kafka did not answer "${operation}" within ${seconds(waitedMs)} s (last error: ${(cause as Error)?.message ?? String(cause)})`,
      { cause },
    );
  }
}

/** Whole seconds, or tenths under ten: a wait of 0.6 s is not "0 s". */
const seconds = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));

/**
 * Runs `operation` with an admin client of its own, and runs it again with a new one (so with
 * metadata fetched anew, from whichever seed broker answers) while the brokers it needs are
 * unreachable, for up to `maxWaitMs`. Any other error is the caller's at once.
 */
export async function withKafkaAdmin<T>(
  kafka: Kafka,
  operation: string,
  run: (admin: Admin) => Promise<T>,
  options: { logger?: Logger; maxWaitMs?: number } = {},
): Promise<T> {
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const started = Date.now();
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 2_000)) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await run(admin);
    } catch (err) {
      if (!isBrokerUnreachable(err)) throw err;
      const waited = Date.now() - started;
      if (waited + delay > maxWaitMs) throw new KafkaUnreachable(operation, waited, err);
      options.logger?.warn(
        { operation, attempt, error: (err as Error).message },
        'a Kafka broker is unreachable; asking again with fresh metadata',
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
