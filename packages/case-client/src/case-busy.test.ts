import { updatesSentAgainWhileBusy } from '@govmesh/workflows/busy-cases';
import { CASE_BUSY, type PartnerResult } from '@govmesh/workflows/case-api';
import {
  ApplicationFailure,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowStartUpdateInput,
} from '@temporalio/client';
import { describe, expect, it } from 'vitest';

import { CaseClient } from './case-client.js';
import { CaseBusy, CaseRefused } from './case-failure.js';

const refusal = (type: string) =>
  new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type, message: `refused: ${type}` }));

/**
 * A Temporal client whose case answers each Update in turn from `answers` (a refusal's type, or
 * 'accepted'), the last one for ever. Only the client's retry policy is under test here; the
 * case's refusal itself is tested on a real server (service-case.workflow.test.ts).
 */
function caseAnswering(answers: readonly string[]) {
  const sent: number[] = [];
  const client = {
    withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
    withAbortSignal: (_signal: AbortSignal, fn: () => Promise<unknown>) => fn(),
    workflow: {
      getHandle: () => ({
        executeUpdate: () => {
          sent.push(Date.now());
          const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
          return answer === 'accepted' ? Promise.resolve('accepted') : Promise.reject(refusal(answer));
        },
      }),
    },
  } as unknown as Client;
  return { client, sent };
}

const result: PartnerResult = {
  partnerId: 'quick',
  result: { taskId: 'c-1:check', attempt: 1, outcome: 'failed', reason: 'busy' },
};

describe('a message to a case that is busy', () => {
  it('is sent again until the case takes it', async () => {
    const { client, sent } = caseAnswering([CASE_BUSY, CASE_BUSY, CASE_BUSY, 'accepted']);
    await expect(new CaseClient(client).submitResult('c-1', result, 'm-1')).resolves.toBeUndefined();
    expect(sent).toHaveLength(4);
    // Ever less often: each pause at least as long as the one before.
    const pauses = sent.slice(1).map((at, i) => at - sent[i]!);
    expect(pauses[2]!).toBeGreaterThanOrEqual(pauses[0]!);
  });

  it('ends in CaseBusy, retriable, once the deadline has passed', async () => {
    const { client, sent } = caseAnswering([CASE_BUSY]);
    const started = Date.now();
    const failure = await new CaseClient(client, { timeoutMs: 300 })
      .decide('c-1', { stepId: 'approval', role: 'clerk', officerId: 'o-1', decision: 'approve' })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CaseBusy);
    expect(failure).toMatchObject({ code: CASE_BUSY, retriable: true });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sent.length).toBeGreaterThan(2);
  });

  it('ends in CaseBusy at once when the caller stops waiting', async () => {
    const { client, sent } = caseAnswering([CASE_BUSY]);
    const stop = new AbortController();
    const sending = new CaseClient(client).submitResult('c-1', result, 'm-1', stop.signal).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    const failure = await sending;
    const sentBeforeStop = sent.length;
    expect(failure).toBeInstanceOf(CaseBusy);
    await new Promise((r) => setTimeout(r, 600));
    expect(sent).toHaveLength(sentBeforeStop);
  });

  it('is not sent again when the case refuses it for what it says', async () => {
    const { client, sent } = caseAnswering(['TASK.DUPLICATE_RESULT', 'accepted']);
    const failure = await new CaseClient(client).submitResult('c-1', result, 'm-1').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CaseRefused);
    expect(sent).toHaveLength(1);
  });
});

describe('a Temporal client with updatesSentAgainWhileBusy', () => {
  it('sends an Update a case refused as busy again, under the same id, and passes any other outcome on', async () => {
    const outcomes = [
      { failure: { applicationFailureInfo: { type: CASE_BUSY } } },
      { failure: { applicationFailureInfo: { type: CASE_BUSY } } },
      { failure: { applicationFailureInfo: { type: 'TASK.DUPLICATE_RESULT' } } },
    ];
    const sentIds: string[] = [];
    const input: WorkflowStartUpdateInput = {
      updateName: 'submitTaskResult',
      args: [result],
      workflowExecution: { workflowId: 'c-1' },
      headers: {},
      options: { updateId: 'm-1' },
    };
    const output = await updatesSentAgainWhileBusy({ pauseMs: 1 }).startUpdate!(input, (sent) => {
      sentIds.push(sent.options.updateId!);
      return Promise.resolve({ updateId: 'm-1', workflowRunId: 'r-1', outcome: outcomes[sentIds.length - 1]! });
    });
    expect(sentIds).toEqual(['m-1', 'm-1', 'm-1']);
    expect(output.outcome?.failure?.applicationFailureInfo?.type).toBe('TASK.DUPLICATE_RESULT');
  });
});
