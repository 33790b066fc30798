import { randomBytes } from 'node:crypto';

import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { ErasureActivities, ErasureOrder } from './case-erasure.js';
import type { caseErasure } from './case-erasure.workflow.js';
import { bundleServiceCase } from './testing/case-harness.js';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: { temporal: { address: string } };
  }
}

/**
 * The erasure workflow on the suite's real Temporal server with its activities stubbed: the order
 * of its steps (partners first, the ledger last) and its refusal of a running case.
 */
describe('erasing a closed case', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let native: NativeConnection;
  let connection: Connection;
  let client: Client;
  const taskQueue = `erasure-test-${randomBytes(3).toString('hex')}`;
  const calls: string[] = [];
  /** Case ids the stub says are still running; `gone`: Temporal no longer holds the history. */
  const running = new Set<string>();
  const gone = new Set<string>();
  let worker: Worker;
  let done: Promise<void>;

  const activities: ErasureActivities = {
    checkCaseClosed: ({ caseId }) => {
      calls.push(`check ${caseId}`);
      if (running.has(caseId))
        throw ApplicationFailure.nonRetryable(`case ${caseId} is still running`, 'ERASURE.CASE_RUNNING');
      return Promise.resolve({ historyHeld: !gone.has(caseId) });
    },
    tellPartnersToDelete: (order) => {
      calls.push(`tell ${order.partnerTasks.map((t) => `${t.partnerId}#${t.attempt}`).join(',')}`);
      return Promise.resolve();
    },
    deleteCaseHistory: ({ caseId }) => {
      calls.push(`delete ${caseId}`);
      return Promise.resolve();
    },
    recordErasure: (order) => {
      calls.push(`record ${order.caseId} ${order.reason} ${order.partnersTold.join(',')}`);
      return Promise.resolve();
    },
  };

  beforeAll(async () => {
    bundle = await bundleServiceCase();
    const address = inject('infra').temporal.address;
    native = await NativeConnection.connect({ address });
    connection = await Connection.connect({ address });
    client = new Client({ connection });
    worker = await Worker.create({ connection: native, taskQueue, workflowBundle: bundle, activities });
    done = worker.run();
  }, 60_000);

  afterAll(async () => {
    worker?.shutdown();
    await done;
    await connection?.close();
    await native?.close();
  });

  const erase = (order: ErasureOrder) =>
    client.workflow.execute<typeof caseErasure>('caseErasure', {
      taskQueue,
      workflowId: `${order.caseId}/erasure-${randomBytes(2).toString('hex')}`,
      args: [order],
    });
  const tasks = [
    { partnerId: 'lab-b', taskId: 'c:check', attempt: 2 },
    { partnerId: 'lab-a', taskId: 'c:check', attempt: 1 },
  ];

  it('tells the partners, then deletes the history, then records the erasure, each partner once', async () => {
    calls.length = 0;
    const report = await erase({ caseId: 'closed-1', reason: 'retention', partnerTasks: tasks });
    expect(report).toEqual({ caseId: 'closed-1', partnersTold: ['lab-a', 'lab-b'], historyDeleted: true });
    expect(calls).toEqual([
      'check closed-1',
      'tell lab-b#2,lab-a#1',
      'delete closed-1',
      'record closed-1 retention lab-a,lab-b',
    ]);
  });

  it('still tells the partners and records it when Temporal had already dropped the history', async () => {
    calls.length = 0;
    gone.add('expired-1');
    const report = await erase({ caseId: 'expired-1', reason: 'request', requestId: 'r-1', partnerTasks: tasks });
    expect(report.historyDeleted).toBe(false);
    expect(calls).toEqual(['check expired-1', 'tell lab-b#2,lab-a#1', 'record expired-1 request lab-a,lab-b']);
  });

  it('refuses a running case at once, and tells nobody anything', async () => {
    calls.length = 0;
    running.add('running-1');
    const refused = await erase({ caseId: 'running-1', reason: 'request', partnerTasks: tasks }).catch(
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    expect(calls).toEqual(['check running-1']);
  });
});
