import { upsertSearchAttributes } from '@temporalio/workflow';

import { PARTNERS_HOLDING_TASKS, type CaseState } from './case-api.js';

/** The partners that hold one of the case's tasks now, in a stable order. */
export function partnersHolding(state: CaseState): string[] {
  const ids = new Set<string>();
  for (const step of Object.values(state.steps))
    if (step.status === 'awaiting-partner' && step.partnerId) ids.add(step.partnerId);
  return [...ids].sort();
}

/**
 * What Temporal's visibility shows of the case, kept in step with its state each time the case
 * waits: an upsert only when it changed, so a step costs no extra command unless it hands work to
 * or takes it from a partner. Cases started before this existed show nothing (`shown` false).
 */
export class CaseVisibility {
  private shown = '';

  constructor(
    private readonly state: CaseState,
    private readonly enabled: boolean,
  ) {}

  sync(): void {
    if (!this.enabled) return;
    const holding = partnersHolding(this.state);
    const key = holding.join(',');
    if (key === this.shown) return;
    this.shown = key;
    upsertSearchAttributes([{ key: PARTNERS_HOLDING_TASKS, value: holding.length > 0 ? holding : null }]);
  }
}
