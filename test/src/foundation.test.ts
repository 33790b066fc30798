import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { loadInfraConfig, temporalCliPath } from '@govmesh/infra';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { engines, kafkaClient } from './engines.js';
import { createGreetingActivities } from './fixtures/greeting.activities.js';
import { greetApplicant } from './fixtures/greeting.workflow.js';
import { installTestRuntime } from './temporal-runtime.js';

const run = promisify(execFile);

describe('Kafka, as kafkajs 2.2.4 uses it', () => {
  const kafka = kafkaClient('govmesh-e2e-foundation');
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('answers describe cluster and describe configs', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(inject('infra').kafka.mode === 'embedded' ? 1 : cluster.brokers.length);
    expect(cluster.controller).not.toBeNull();

    const brokerId = String(cluster.brokers[0]?.nodeId);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configNames: ['log.retention.hours'] }],
    });
    const entry = described.resources[0]?.configEntries.find((c) => c.configName === 'log.retention.hours');
    expect(entry?.configValue).toMatch(/^\d+$/);
  });

  it('delivers a produced message to a consumer group that commits its offset', async () => {
    const topic = `govmesh.e2e.${randomUUID()}`;
    const groupId = `govmesh-e2e-${randomUUID()}`;
    expect(
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true }),
    ).toBe(true);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ key: 'case-1', value: JSON.stringify({ hello: 'partner' }), headers: { ce_type: 'test' } }],
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: unknown; header: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message from Kafka on ${topic} within 30 s`)), 30_000);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic: t, partition, message }) => {
          await consumer.commitOffsets([{ topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
          clearTimeout(timer);
          resolve({
            key: message.key?.toString() ?? '',
            value: JSON.parse(message.value?.toString() ?? 'null'),
            header: message.headers?.['ce_type']?.toString() ?? '',
          });
        },
      });
    });
    await consumer.disconnect();

    expect(received).toEqual({ key: 'case-1', value: { hello: 'partner' }, header: 'test' });
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '1' })]);
    await admin.deleteTopics({ topics: [topic] });
  });
});

describe('Temporal', () => {
  beforeAll(() => {
    installTestRuntime();
  });

  it('runs a workflow and its activity on a real worker', async () => {
    const { temporalAddress } = engines();
    const namespace = loadInfraConfig().temporal.namespace;
    const taskQueue = `e2e-foundation-${randomUUID()}`;
    const calls: string[] = [];
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const worker = await Worker.create({
        connection: nativeConnection,
        namespace,
        taskQueue,
        workflowsPath: fileURLToPath(new URL('./fixtures/greeting.workflow.ts', import.meta.url)),
        activities: createGreetingActivities(calls),
      });
      const client = new Client({ connection, namespace });
      const workflowId = `e2e-greeting-${randomUUID()}`;
      const result = await worker.runUntil(
        client.workflow.execute(greetApplicant, {
          taskQueue,
          workflowId,
          args: ['Ada'],
          workflowExecutionTimeout: '60 s',
        }),
      );

      expect(result).toBe('Welcome, Ada: your application is received.');
      expect(calls).toEqual(['Ada']);
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const kinds = (history.events ?? []).map((e) => e.eventType);
      expect(kinds).toContain(temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);

      if (inject('infra').temporal.mode === 'embedded') {
        // The Temporal CLI that infra built answers too, and sees the same workflow.
        const { stdout } = await run(temporalCliPath(loadInfraConfig()), [
          'workflow',
          'list',
          '--address',
          temporalAddress,
          '--namespace',
          namespace,
          '--query',
          `WorkflowId="${workflowId}"`,
          '--output',
          'json',
        ]);
        expect(stdout).toContain(workflowId);
      }
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });
});
