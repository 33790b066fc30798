import { CaseClosed, CaseRefused, CaseUnreachable, UnknownCaseDataKey } from '@govmesh/case-client';
import { DEAD_LETTER_TOPIC, EVENTS_TOPIC, taskTopic } from '@govmesh/contracts/topics';
import { describe, expect, it } from 'vitest';

import { handleResultMessage, type ResultHandlingDeps, type ResultMessage } from './result-handling.js';

/** What the bridge published, and a case that answers as each test says. */
function bridgeWith(answer: () => Promise<void>) {
  const published: { topic: string; type: string; data: Record<string, unknown> }[] = [];
  const deps: ResultHandlingDeps = {
    cases: { submitResult: answer },
    publisher: {
      publish: (topic: string, _key: string, event: { type: string; data: unknown }) => {
        published.push({ topic, type: event.type, data: event.data as Record<string, unknown> });
        return Promise.resolve();
      },
    },
  };
  return { deps, published };
}

// CloudEvents 1.0 makes `dataschema` optional: a partner may leave it out.
const message = (data: Record<string, unknown>, extra: Record<string, unknown> = {}): ResultMessage => ({
  partnerId: 'checks',
  topic: 'govmesh.results.checks',
  partition: 0,
  offset: '7',
  value: Buffer.from(
    JSON.stringify({
      specversion: '1.0',
      id: 'm-1',
      type: 'gov.govmesh.task.result.v1',
      source: '/partners/checks',
      subject: 'case-1',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data,
      ...extra,
    }),
  ),
});
const result = message({ taskId: 'case-1:check', attempt: 1, outcome: 'completed', output: { clear: true } });

describe('handing a result to its case', () => {
  it('sends the partner the code and reasons the case refused with', async () => {
    const { deps, published } = bridgeWith(() =>
      Promise.reject(new CaseRefused('CONTRACT.INVALID_OUTPUT', 'bad', ['output.findings: required'])),
    );
    expect(await handleResultMessage(result, deps)).toMatchObject({ accepted: false, code: 'CONTRACT.INVALID_OUTPUT' });
    expect(published.map((p) => p.topic)).toEqual([taskTopic('checks'), EVENTS_TOPIC]);
    expect(published[0]!.data).toMatchObject({
      code: 'CONTRACT.INVALID_OUTPUT',
      reasons: ['output.findings: required'],
    });
  });

  it('dead-letters a refusal whose code the wire contract cannot name, instead of retrying it for ever', async () => {
    const { deps, published } = bridgeWith(() => Promise.reject(new CaseRefused('CASE.SOMETHING_NEW', 'odd', ['odd'])));
    expect(await handleResultMessage(result, deps)).toMatchObject({ accepted: false });
    expect(published).toEqual([
      expect.objectContaining({
        topic: DEAD_LETTER_TOPIC,
        data: expect.objectContaining({ reasons: [expect.stringContaining('CASE.SOMETHING_NEW')] }) as unknown,
      }),
    ]);
  });

  it('accepts a result without dataschema, and refuses one whose dataschema is wrong', async () => {
    const { deps, published } = bridgeWith(() => Promise.resolve());
    expect(await handleResultMessage(result, deps)).toEqual({ accepted: true, caseId: 'case-1' });
    const wrong = message(
      { taskId: 'case-1:check', attempt: 1, outcome: 'completed', output: {} },
      { dataschema: 'https://example.org/x' },
    );
    expect(await handleResultMessage(wrong, deps)).toMatchObject({
      accepted: false,
      code: 'CONTRACT.INVALID_ENVELOPE',
      reasons: ['dataschema: dataschema is urn:govmesh:schema:<name>'],
    });
    expect(published[0]!.topic).toBe(taskTopic('checks'));
  });

  it('tells the partner a closed case takes no results', async () => {
    const { deps } = bridgeWith(() => Promise.reject(new CaseClosed('case-1')));
    expect(await handleResultMessage(result, deps)).toMatchObject({ accepted: false, code: 'TASK.NOT_ASSIGNED' });
  });

  it("dead-letters a result whose case is sealed with a key it does not hold, rather than stopping every partner's results", async () => {
    // As the Temporal client raises it: the codec's failure wrapped in the client's own.
    const wrapped = new Error('Failed to decode payloads', { cause: new UnknownCaseDataKey('2026-12-01-b425b4') });
    const { deps, published } = bridgeWith(() => Promise.reject(wrapped));
    expect(await handleResultMessage(result, deps)).toMatchObject({ accepted: false });
    expect(published).toEqual([
      expect.objectContaining({
        topic: DEAD_LETTER_TOPIC,
        data: expect.objectContaining({
          reasons: [expect.stringContaining('encrypted with key 2026-12-01-b425b4')],
        }) as unknown,
      }),
    ]);
  });

  it('leaves the message to be read again when the case does not answer', async () => {
    const { deps, published } = bridgeWith(() => Promise.reject(new CaseUnreachable('case-1', 30_000)));
    await expect(handleResultMessage(result, deps)).rejects.toBeInstanceOf(CaseUnreachable);
    expect(published).toEqual([]);
  });
});
