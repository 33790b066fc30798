import type { Classification, ExecutionMode } from './service-definition.js';

/**
 * The control principle: core-and-critical work stays in-house, work that is neither is
 * outsourced, and work that is one of the two is controlled (a partner works, an officer approves).
 */
export function controlPolicy(classification: Classification): ExecutionMode {
  if (classification.core && classification.critical) return 'in-house';
  if (!classification.core && !classification.critical) return 'outsourced';
  return 'controlled';
}

const STRICTNESS: Record<ExecutionMode, number> = { outsourced: 0, controlled: 1, 'in-house': 2 };

/** Whether `mode` keeps at least as much in government hands as `required`. */
export function isAtLeastAsStrict(mode: ExecutionMode, required: ExecutionMode): boolean {
  return STRICTNESS[mode] >= STRICTNESS[required];
}

/** The mode a step runs in: its explicit mode where stricter, else the derived one. */
export function effectiveMode(step: {
  classification: Classification;
  mode?: ExecutionMode | undefined;
}): ExecutionMode {
  const derived = controlPolicy(step.classification);
  return step.mode && isAtLeastAsStrict(step.mode, derived) ? step.mode : derived;
}
