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

/** Publishes CloudEvents 1.0 in structured mode (the whole event is the JSON value). */
export class CloudEventPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  private readonly now: () => Date;
  private readonly counted: ServiceMetrics | undefined;

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
   * Publishes several events in one request, each topic's in the given order. One send instead of
   * several is what makes a partner step cheap (bench/RESULTS.md); a retry rewrites them all, and
   * readers keep one of each by its id.
   */
  async publishAll(
    events: ReadonlyArray<{ readonly topic: string; readonly key: string; readonly event: OutgoingEvent }>,
  ): Promise<void> {
    if (events.length === 0) return;
    this.connected ??= this.producer.connect();
    await this.connected;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, key, event } of events) {
      const messages = byTopic.get(topic) ?? [];
      messages.push({
        key,
        value: JSON.stringify(this.cloudEvent(event)),
        headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
      });
      byTopic.set(topic, messages);
    }
    await this.producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    if (this.counted) for (const { event } of events) this.counted.published.inc({ type: event.type });
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
