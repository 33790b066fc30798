import { randomUUID } from 'node:crypto';

import { createResultBridge } from '@govmesh/bridge';
import { taskMessageId } from '@govmesh/contracts/case-ids';
import { TASK_ASSIGNED, type TaskAssignedData } from '@govmesh/contracts/task-messages';
import { taskTopic } from '@govmesh/contracts/topics';
import type { PartnerResult } from '@govmesh/workflows/case-api';
import { ensureTopics } from '@govmesh/messaging';
import { SAMPLE_OUTPUTS, createPartner } from '@govmesh/partner-sdk';
import type { Client, WorkflowHandle } from '@temporalio/client';

import type { BenchPlatform } from './bench-platform.js';
import { awaitPartnerResult, awaitSignal, wake, waiting } from './quick.workflows.js';
import { kafkaEchoPartner, settle } from './kafka-echo-partner.js';
import { closedLoop, latency, type Latency } from './stats.js';

/** Raw kafkajs ping-pong through that echoing partner; the messages about a task's size. */
export async function kafkaPingPong(p: BenchPlatform, inFlight: number, samples: number): Promise<Latency> {
  const partner = await kafkaEchoPartner(p, String(inFlight));
  const payload = Buffer.alloc(600, 'x'); // about the size of a task.assigned message
  const t = performance.now();
  const { samples: ms } = await closedLoop(
    async () => {
      const s = performance.now();
      await partner.roundTrip(payload);
      return performance.now() - s;
    },
    inFlight,
    samples,
  );
  const seconds = (performance.now() - t) / 1000;
  await partner.stop();
  return latency(ms, seconds);
}

/**
 * govmesh's messaging path with the case step stubbed out: a `task.assigned` published as the
 * dispatch activity does, the partner SDK with an instant handler, its result on its result topic,
 * the result bridge validating and handing it to a stand-in for the case (which accepts at once).
 */
export async function messagingPath(p: BenchPlatform, inFlight: number, samples: number): Promise<Latency> {
  const partnerId = `bench-echo-${p.run}-${inFlight}`;
  await ensureTopics(p.kafka, [partnerId]);
  const arrived = new Map<string, () => void>();
  const standIn = {
    withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
    withAbortSignal: (_signal: AbortSignal, fn: () => Promise<unknown>) => fn(),
    workflow: {
      getHandle: () => ({
        executeUpdate: (_update: unknown, o: { args: [PartnerResult] }) => (
          arrived.get(o.args[0].result.taskId)?.(),
          Promise.resolve('accepted')
        ),
      }),
    },
  } as unknown as Client;
  const bridge = createResultBridge({
    kafka: p.kafka,
    client: standIn,
    publisher: p.publisher,
    logger: p.logger,
    groupId: `bench-stub-bridge-${partnerId}`,
    topicPattern: new RegExp(`^govmesh\\.results\\.${partnerId}$`),
  });
  await bridge.start();
  const partner = createPartner({
    partnerId,
    kafka: p.kafka,
    logger: p.logger,
    handlers: { 'background-check@1': (input) => Promise.resolve(SAMPLE_OUTPUTS['background-check@1']!(input)) },
  });
  await partner.start();
  await settle();
  const t = performance.now();
  const { samples: ms } = await closedLoop(
    async () => {
      const caseId = `bench-stub-${randomUUID()}`;
      const data: TaskAssignedData = {
        taskId: `${caseId}:check-0`,
        caseId,
        stepId: 'check-0',
        taskType: 'background-check@1',
        attempt: 1,
        deadline: new Date(Date.now() + 3_600_000).toISOString(),
        input: { applicant: { name: 'Bench', dateOfBirth: '1980-01-01' } },
      };
      const s = performance.now();
      const done = new Promise<void>((resolve) => arrived.set(data.taskId, resolve));
      await p.publisher.publish(taskTopic(partnerId), caseId, {
        id: taskMessageId(data.taskId, 1, 'assigned'),
        type: TASK_ASSIGNED,
        source: '/govmesh/dispatch',
        subject: caseId,
        data,
      });
      await done;
      return performance.now() - s;
    },
    inFlight,
    samples,
  );
  const seconds = (performance.now() - t) / 1000;
  await partner.stop();
  await bridge.stop();
  return latency(ms, seconds);
}

async function untilWaiting(handle: WorkflowHandle): Promise<void> {
  while (!(await handle.query(waiting))) await new Promise((r) => setTimeout(r, 5));
}

/** A client signal to a workflow already waiting, to its end. */
export async function signalWake(p: BenchPlatform, samples: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const handle = await p.client.workflow.start(awaitSignal, {
      taskQueue: p.bareQueue,
      workflowId: `bench-wake-${randomUUID()}`,
    });
    await untilWaiting(handle);
    const t = performance.now();
    await handle.signal(wake);
    await handle.result();
    ms.push(performance.now() - t);
  }
  return ms;
}

/** A partner's result reaching the same kind of wait: result topic → bridge → Update → end. */
export async function bridgeWake(p: BenchPlatform, samples: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const caseId = `bench-wake-${randomUUID()}`;
    const handle = await p.client.workflow.start(awaitPartnerResult, { taskQueue: p.bareQueue, workflowId: caseId });
    await untilWaiting(handle);
    const t = performance.now();
    await p.partner.publishResult({
      taskId: `${caseId}:check-0`,
      attempt: 1,
      outcome: 'completed',
      output: SAMPLE_OUTPUTS['background-check@1']!({ applicant: { name: 'Bench', dateOfBirth: '1980-01-01' } }),
    });
    await handle.result();
    ms.push(performance.now() - t);
  }
  return ms;
}
