import { schemaUrn } from '@govmesh/contracts/cloud-event';
import { traceContextAttributes } from '@govmesh/telemetry';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';

import type { ServiceMetrics } from './service-metrics.js';

export interface OutgoingEvent {
  readonly id: string;
  readonly type: string;
  /** `/govmesh/<component>` for the platform, `/partners/<id>` for a partner. */
  readonly source: string;
  readonly subject?: string;
  /** CloudEvents extension attributes (lower-case names, string values), e.g. `deprecation`. */
  readonly extensions?: Readonly<Record<string, string>>;
  readonly data: unknown;
}

/** One caller's events, in its order, waiting for the request that carries them. */
interface Waiting {
  readonly messages: ReadonlyArray<{ readonly topic: string; readonly message: Message }>;
  readonly bytes: number;
  readonly types: readonly string[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** What one request carries at most: well under the broker's 1 MiB record batch. */
const MAX_REQUEST_BYTES = 512 * 1024;
/** How long a shared request may go unanswered before its callers are sent on their own. */
const STALL_MS = 2_000;

/** Whether `p` settled within `ms`, and how. */
function settledWithin(p: Promise<void>, ms: number): Promise<'sent' | 'stalled' | { err: unknown }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('stalled'), ms);
    p.then(
      () => resolve('sent'),
      (err: unknown) => resolve({ err }),
    ).finally(() => clearTimeout(timer));
  });
}

/**
 * Publishes CloudEvents 1.0 in structured mode (the whole event is the JSON value).
 *
 * Sends from concurrent callers share requests (a group commit): the idempotent producer keeps one
 * request in flight, and whatever callers publish meanwhile leaves together in the next one. With
 * 32 cases at once that is one produce request where there were dozens, each queued behind the
 * last (bench/RESULTS.md). Each caller's events keep their order, and each caller hears only of
 * its own failure: a request that fails is retried caller by caller.
 */
export class CloudEventPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  private readonly now: () => Date;
  private readonly counted: ServiceMetrics | undefined;
  private readonly waiting: Waiting[] = [];
  private sending = false;

  constructor(
    kafka: Kafka,
    options: {
      readonly now?: () => Date;
      /** Counts each event by type once the broker acknowledged it (govmesh_events_published_total). */
      readonly metrics?: ServiceMetrics;
    } = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.counted = options.metrics;
    // Idempotent: a retried send is written once. kafkajs keeps that guarantee only with unbounded
    // retries; callers bound the wait (an activity's start-to-close timeout, a consumer's session).
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
    });
  }

  async publish(topic: string, key: string, event: OutgoingEvent): Promise<void> {
    await this.publishAll([{ topic, key, event }]);
  }

  /**
   * Publishes several events in one request, each topic's in the given order; resolves once the
   * broker has them all. A retry rewrites them all, and readers keep one of each by its id.
   */
  publishAll(
    events: ReadonlyArray<{ readonly topic: string; readonly key: string; readonly event: OutgoingEvent }>,
  ): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    // Built now, in the caller's context: its time and the span it publishes from.
    let bytes = 0;
    const messages = events.map(({ topic, key, event }) => {
      const value = JSON.stringify(this.cloudEvent(event));
      bytes += value.length + key.length;
      return {
        topic,
        message: { key, value, headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' } },
      };
    });
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ messages, bytes, types: events.map((e) => e.event.type), resolve, reject });
      if (!this.sending) void this.sendWaiting();
    });
  }

  /**
   * Sends what waits, a request at a time, until nothing does. A request that fails, or has not
   * been answered within STALL_MS (kafkajs waits for ever for a topic that does not exist), is
   * split: each caller's events go on their own, side by side, so one bad topic fails (or waits)
   * alone and nobody else's send queues behind it. A split request that ends up written after all
   * wrote events their callers also sent again: readers keep one of each by its id.
   */
  private async sendWaiting(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.takeBatch();
        const sent = this.send(batch);
        const outcome = await settledWithin(sent, STALL_MS);
        if (outcome === 'sent') for (const w of batch) this.settled(w);
        else if (batch.length === 1) {
          const [w] = batch as [Waiting];
          if (outcome === 'stalled') sent.then(() => this.settled(w), w.reject);
          else w.reject(outcome.err);
        } else {
          sent.catch(() => undefined);
          for (const w of batch) this.send([w]).then(() => this.settled(w), w.reject);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  private takeBatch(): Waiting[] {
    const batch: Waiting[] = [this.waiting.shift()!];
    let bytes = batch[0]!.bytes;
    while (this.waiting.length > 0 && bytes + this.waiting[0]!.bytes <= MAX_REQUEST_BYTES) {
      const next = this.waiting.shift()!;
      bytes += next.bytes;
      batch.push(next);
    }
    return batch;
  }

  private async send(batch: readonly Waiting[]): Promise<void> {
    try {
      await (this.connected ??= this.producer.connect());
    } catch (err) {
      this.connected = undefined; // the next request connects again
      throw err;
    }
    // One request, each topic's messages in the callers' order.
    const byTopic = new Map<string, Message[]>();
    for (const w of batch)
      for (const { topic, message } of w.messages) {
        const list = byTopic.get(topic);
        if (list) list.push(message);
        else byTopic.set(topic, [message]);
      }
    await this.producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  private settled(w: Waiting): void {
    if (this.counted) for (const type of w.types) this.counted.published.inc({ type });
    w.resolve();
  }

  private cloudEvent(event: OutgoingEvent) {
    return {
      specversion: '1.0',
      id: event.id,
      source: event.source,
      type: event.type,
      ...(event.subject ? { subject: event.subject } : {}),
      time: this.now().toISOString(),
      datacontenttype: 'application/json',
      dataschema: schemaUrn(event.type),
      // The span publishing it (a case's activity, a partner's handler), so readers continue the trace.
      ...traceContextAttributes(),
      ...event.extensions,
      data: event.data,
    };
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
