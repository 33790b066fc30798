import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';

import { CaseClosed, CaseRefused, CaseUnreachable, classify } from './case-failure.js';

const refusedBy = (type: string, message: string, details?: unknown[]) =>
  new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type, message, details }));

describe('classify', () => {
  it('reads a refusal: the case code, its message and the reasons it gave', () => {
    const failure = classify(refusedBy('CONTRACT.INVALID_OUTPUT', 'bad', [['output.x: required']]), 'c-1');
    expect(failure).toBeInstanceOf(CaseRefused);
    expect(failure).toMatchObject({
      code: 'CONTRACT.INVALID_OUTPUT',
      reasons: ['output.x: required'],
      retriable: false,
    });
    expect((failure as CaseRefused).rejectionCode).toBe('CONTRACT.INVALID_OUTPUT');
  });

  it('gives no partner-facing rejection code for a code that is none', () => {
    const failure = classify(refusedBy('CASE.WRONG_ROLE', 'not a clerk'), 'c-1') as CaseRefused;
    expect(failure.reasons).toEqual(['not a clerk']);
    expect(failure.rejectionCode).toBeUndefined();
  });

  it('tells a case that is gone or ended', () => {
    expect(classify(new WorkflowNotFoundError('not found', 'c-1', undefined), 'c-1')).toBeInstanceOf(CaseClosed);
    expect(classify(new Error('workflow execution already completed'), 'c-1')).toBeInstanceOf(CaseClosed);
  });

  it('tells a case that did not answer in time, as retriable', () => {
    const failure = classify(
      Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: 4 }),
      'c-1',
      30_000,
    );
    expect(failure).toBeInstanceOf(CaseUnreachable);
    expect(failure).toMatchObject({ retriable: true, code: 'CASE.UNREACHABLE' });
  });

  it('leaves anything else to the caller', () => {
    expect(classify(new Error('connection refused'), 'c-1')).toBeUndefined();
  });
});
