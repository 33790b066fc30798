import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
/**
 * The demo batch plays these on purpose, one after another: each case is told which one it is,
 * and the simulated partners and the demo officer act it out.
 */
export const SCENARIOS = ['on-time', 'reassigned', 'fallback', 'invalid-corrected', 'review-rework'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export function scenarioFor(n: number): Scenario {
  return SCENARIOS[n % SCENARIOS.length]!;
}

/** The audit trail of a case, as `GET /v1/cases/{id}/audit` gives it. */
export interface TrailEntry {
  readonly type: string;
  readonly facts: Readonly<Record<string, unknown>>;
}

/** What the ledger shows happened to a case, in the scenarios' terms. */
export function outcomesOf(trail: readonly TrailEntry[]): Set<Scenario> {
  const found = new Set<Scenario>();
  for (const e of trail) {
    if (e.type === DOMAIN_EVENTS.deadlineBreached.type) found.add('reassigned');
    if (e.type === DOMAIN_EVENTS.fellBackInHouse.type) found.add('fallback');
    if (e.type === DOMAIN_EVENTS.resultRejected.type && e.facts.code === 'CONTRACT.INVALID_OUTPUT')
      found.add('invalid-corrected');
    if (e.type === DOMAIN_EVENTS.reviewDecided.type && e.facts.decision === 'request-rework')
      found.add('review-rework');
  }
  return found;
}

/**
 * Whether a case ended as its scenario intended: completed, with the scenario's mark in the ledger
 * (an on-time case may still meet a slow or sloppy partner on the way; it must complete on time).
 */
export function endedAsExpected(
  scenario: Scenario,
  status: string,
  trail: readonly TrailEntry[],
  onTime: boolean,
): boolean {
  if (status !== 'completed') return false;
  return scenario === 'on-time' ? onTime : outcomesOf(trail).has(scenario);
}
