import { LogicEngine } from 'json-logic-engine';

/** What a step's `when` rule can read: the application and the outputs of steps that have run. */
export interface ConditionFacts {
  readonly application: Readonly<Record<string, unknown>>;
  readonly steps: Readonly<Record<string, { readonly output?: unknown }>>;
}

// Interpreted, never compiled: rules come from agencies' definitions and run inside the
// deterministic workflow sandbox. The engine has no I/O, clock or randomness.
const engine = new LogicEngine();

/** The operators this evaluator supports, for the contracts' definition-time check. */
export function supportedOperators(): ReadonlySet<string> {
  return new Set(Object.keys(engine.methods as Record<string, unknown>));
}

/** Whether a `when` rule holds, with JSON Logic's truthiness (an empty array is false). */
export function conditionHolds(rule: unknown, facts: ConditionFacts): boolean {
  return engine.run({ '!!': [rule] }, facts) === true;
}
