import { JSON_LOGIC_OPERATORS } from '@govmesh/contracts/json-logic';
import { describe, expect, it } from 'vitest';

import { conditionHolds, supportedOperators } from './step-condition.js';

const approved = { application: { household: { size: 3 } }, steps: { decision: { output: { decision: 'approve' } } } };

describe('step conditions (JSON Logic)', () => {
  it('evaluates the business licence condition on the decision', () => {
    const rule = { '==': [{ var: 'steps.decision.output.decision' }, 'approve'] };
    expect(conditionHolds(rule, approved)).toBe(true);
    expect(conditionHolds(rule, { ...approved, steps: { decision: { output: { decision: 'reject' } } } })).toBe(false);
  });

  it('treats a step that was skipped (no output) as false, not as an error', () => {
    expect(conditionHolds({ var: 'steps.income-verification.output.confirmed' }, { application: {}, steps: {} })).toBe(
      false,
    );
    expect(
      conditionHolds({ '!': { var: 'steps.income-verification.output.confirmed' } }, { application: {}, steps: {} }),
    ).toBe(true);
  });

  it('reads the application, and uses JSON Logic truthiness', () => {
    expect(conditionHolds({ '>=': [{ var: 'application.household.size' }, 3] }, approved)).toBe(true);
    expect(conditionHolds({ merge: [] }, approved)).toBe(false);
  });

  it('supports every operator that a definition may use', () => {
    const supported = supportedOperators();
    expect([...JSON_LOGIC_OPERATORS].filter((op) => !supported.has(op))).toEqual([]);
  });
});
