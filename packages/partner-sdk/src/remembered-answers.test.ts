import { describe, expect, it } from 'vitest';

import { RememberedAnswers } from './remembered-answers.js';

const answer = (taskId: string, note = '') => ({
  taskId,
  attempt: 1,
  outcome: 'completed' as const,
  output: { clear: true, note },
});

/** A partner keeps its latest answers within a count and a size, and forgets the oldest first. */
describe('the answers a partner remembers', () => {
  it('gives back the answer sent for a task and attempt', () => {
    const answers = new RememberedAnswers();
    answers.remember('c-1:check/1', answer('c-1:check'));
    expect(answers.get('c-1:check/1')).toEqual(answer('c-1:check'));
    expect(answers.get('c-1:check/2')).toBeUndefined();
  });

  it('forgets the oldest answer past the count', () => {
    const answers = new RememberedAnswers(2);
    for (const n of [1, 2, 3]) answers.remember(`c-${n}/1`, answer(`c-${n}`));
    expect([answers.get('c-1/1'), answers.get('c-2/1')?.taskId, answers.get('c-3/1')?.taskId]).toEqual([
      undefined,
      'c-2',
      'c-3',
    ]);
  });

  it('forgets the oldest answers past the size, and keeps none larger than it all', () => {
    const oneAnswer = Buffer.byteLength(JSON.stringify(answer('c-1', 'x'.repeat(100))));
    const answers = new RememberedAnswers(100, 2 * oneAnswer);
    for (const n of [1, 2, 3]) answers.remember(`c-${n}/1`, answer(`c-${n}`, 'x'.repeat(100)));
    expect(answers.size).toBe(2);
    expect(answers.get('c-1/1')).toBeUndefined();
    answers.remember('huge/1', answer('huge', 'x'.repeat(10 * oneAnswer)));
    expect(answers.get('huge/1')).toBeUndefined();
    expect(answers.size).toBe(2);
  });

  it('keeps one answer per task and attempt: the latest', () => {
    const answers = new RememberedAnswers(2);
    answers.remember('c-1/1', answer('c-1', 'first'));
    answers.remember('c-1/1', answer('c-1', 'second'));
    answers.remember('c-2/1', answer('c-2'));
    expect(answers.size).toBe(2);
    expect(answers.get('c-1/1')).toEqual(answer('c-1', 'second'));
  });
});
