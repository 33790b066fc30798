import { describe, expect, it } from 'vitest';

import { domainEventId, parseTaskId, taskIdOf } from './case-ids.js';

describe('task ids', () => {
  it('round-trip a case id that itself holds colons', () => {
    const taskId = taskIdOf('urn:case:42', 'site-inspection');
    expect(taskId).toBe('urn:case:42:site-inspection');
    expect(parseTaskId(taskId)).toEqual({ caseId: 'urn:case:42', stepId: 'site-inspection' });
  });

  it('are refused when they name no case or no step', () => {
    expect(parseTaskId('no-colon')).toBeUndefined();
    expect(parseTaskId(':step')).toBeUndefined();
    expect(parseTaskId('case:')).toBeUndefined();
  });
});

describe('domain event ids', () => {
  it('name the case, the step (or case), the attempt, the kind and the sequence', () => {
    expect(domainEventId({ caseId: 'c-1', kind: 'caseSubmitted', sequence: 1 })).toBe('c-1/case/0/caseSubmitted/1');
    expect(domainEventId({ caseId: 'c-1', stepId: 's', attempt: 2, kind: 'taskDispatched', sequence: 7 })).toBe(
      'c-1/s/2/taskDispatched/7',
    );
  });
});
