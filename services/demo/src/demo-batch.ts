import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { PartnerScorecard } from '@govmesh/contracts/partner-scorecard';

import { AUDITOR, citizen, type ApiSession } from './api-session.js';
import { demoApplication } from './demo-catalogue.js';
import { SCENARIOS, endedAsExpected, outcomesOf, scenarioFor, type Scenario, type TrailEntry } from './scenarios.js';

/** What `govmesh demo --json` prints. */
export interface DemoSummary {
  readonly submitted: number;
  readonly completed: number;
  /** Submitted, but the platform does not know the case. */
  readonly lost: number;
  /** Still not ended when the batch's time was up. */
  readonly stuck: number;
  /** Ended, but not as its scenario intended. */
  readonly unexpected: number;
  /** Cases whose ledger shows a partner's result accepted twice, or the case ended twice. */
  readonly appliedTwice: number;
  /** What `--faults` killed, and when. */
  readonly faults?: readonly string[];
  readonly outcomes: Record<Scenario | 'other', number>;
  readonly ledgerVerified: boolean;
  readonly seconds: number;
  readonly partners: PartnerScorecard[];
  readonly problems: string[];
}

export interface DemoProgress {
  readonly submitted: number;
  readonly running: number;
  readonly completed: number;
  readonly outcomes: Readonly<Record<string, number>>;
}

export interface DemoBatchOptions {
  readonly api: ApiSession;
  /** Where the batch writes each case's scenario, and whose scorecards it reports: the crew on duty. */
  readonly crew: {
    readonly scenarios: { set(caseId: string, scenario: Scenario): unknown };
    readonly partnerIds: ReadonlySet<string>;
  };
  readonly cases: number;
  /** How many cases are open at once (a closed loop, as a day's applications arrive): 20. */
  readonly inFlight?: number;
  /** A case still running this long after its submission, and past its own deadline, is stuck (2 min). */
  readonly caseTimeoutMs?: number;
  /**
   * A case still running this long after its submission is stuck even before its own deadline
   * (five times caseTimeoutMs): a licence's deadline is days away, and the batch must end by itself.
   */
  readonly giveUpMs?: number;
  /** How often open cases are asked about (1 s). */
  readonly pollMs?: number;
  readonly onProgress?: (p: DemoProgress) => void;
  /** Told after each submission, with how many are submitted so far (the fault injection's clock). */
  readonly onSubmitted?: (submitted: number) => void;
}

/** A case's ledger entries that say the same thing happened twice: one result accepted twice, two endings. */
export function twiceApplied(trail: readonly TrailEntry[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const e of trail) {
    const key =
      e.type === DOMAIN_EVENTS.resultAccepted.type
        ? `${e.type} ${String(e.facts.taskId)} attempt ${String(e.facts.attempt)}`
        : /case\.(completed|failed|withdrawn)/.test(e.type)
          ? 'the case ended'
          : undefined;
    if (key === undefined) continue;
    if (seen.has(key)) twice.push(key);
    seen.add(key);
  }
  return twice;
}

interface CaseView {
  status: string;
  deadline: string | null;
}

interface DemoCase {
  readonly caseId: string;
  readonly n: number;
  readonly scenario: Scenario;
  readonly submittedAt: number;
}

/**
 * Runs the batch with the crew on duty: keeps `inFlight` cases open, and as each ends reads its
 * trail from the ledger and checks it against its scenario; then verifies the ledger and reads the
 * crew's scorecards.
 */
export async function runDemoBatch(o: DemoBatchOptions): Promise<DemoSummary> {
  const started = Date.now();
  const { api, crew } = o;
  const inFlight = o.inFlight ?? 20;
  const caseTimeoutMs = o.caseTimeoutMs ?? 120_000;
  const problems: string[] = [];
  const outcomes = Object.fromEntries([...SCENARIOS, 'other'].map((s) => [s, 0])) as Record<Scenario | 'other', number>;
  let submitted = 0;
  let completed = 0;
  let unexpected = 0;
  let appliedTwice = 0;
  let lost = 0;
  let stuck = 0;
  const open = new Map<string, DemoCase>();
  const judging = new Set<Promise<void>>();

  const judge = async (c: DemoCase, view: CaseView): Promise<void> => {
    const trail = await untilEnded(api, c.caseId);
    const twice = twiceApplied(trail);
    if (twice.length) {
      appliedTwice += 1;
      problems.push(`${c.caseId}: ${twice.join(', ')} twice`);
    }
    const endedAt = trail.find((e) => e.type === DOMAIN_EVENTS.caseCompleted.type)?.time;
    const onTime = !view.deadline || (endedAt !== undefined && Date.parse(endedAt) <= Date.parse(view.deadline));
    if (view.status === 'completed') completed += 1;
    if (endedAsExpected(c.scenario, view.status, trail, onTime)) outcomes[c.scenario] += 1;
    else {
      unexpected += 1;
      outcomes.other += 1;
      problems.push(
        `${c.caseId} (${c.scenario}) ended ${view.status} with ${[...outcomesOf(trail)].join(', ') || 'no mark'}`,
      );
    }
  };

  while (submitted < o.cases || open.size > 0) {
    while (open.size < inFlight && submitted < o.cases) {
      const n = submitted;
      const scenario = scenarioFor(n);
      // The scripted scenarios run on the business licence; plain cases alternate with the social benefit.
      const serviceId = scenario === 'on-time' && n % 10 === 0 ? 'social-benefit' : 'business-licence';
      const accepted = await api.expect<{ caseId: string }>(
        [202],
        citizen(n),
        'POST',
        '/v1/cases',
        { serviceId, application: demoApplication(serviceId, n) },
        { 'idempotency-key': `demo-${started}-${n}` },
      );
      crew.scenarios.set(accepted.caseId, scenario);
      open.set(accepted.caseId, { caseId: accepted.caseId, n, scenario, submittedAt: Date.now() });
      submitted += 1;
      o.onSubmitted?.(submitted);
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1_000));
    for (const c of [...open.values()]) {
      const r = await api.call<CaseView>(citizen(c.n), 'GET', `/v1/cases/${c.caseId}`);
      if (r.status === 404) {
        lost += 1;
        problems.push(`${c.caseId} is unknown to the platform`);
      } else if (r.status === 200 && r.body.status !== 'running') {
        const judged = judge(c, r.body).finally(() => judging.delete(judged));
        judging.add(judged);
      } else if (
        (Date.now() - c.submittedAt > caseTimeoutMs &&
          (!r.body.deadline || Date.now() > Date.parse(r.body.deadline))) ||
        Date.now() - c.submittedAt > (o.giveUpMs ?? 5 * caseTimeoutMs)
      ) {
        stuck += 1;
        problems.push(
          `${c.caseId} (${c.scenario}) was still running ${Math.round((Date.now() - c.submittedAt) / 1000)} s after its submission`,
        );
      } else continue;
      open.delete(c.caseId);
    }
    o.onProgress?.({ submitted, running: open.size, completed, outcomes: { ...outcomes } });
  }
  await Promise.all(judging);
  o.onProgress?.({ submitted, running: 0, completed, outcomes: { ...outcomes } });

  const verdict = await api.expect<{ ok: boolean; reason: string | null }>([200], AUDITOR, 'GET', '/v1/audit/verify');
  if (!verdict.ok) problems.push(`the ledger did not verify: ${verdict.reason ?? ''}`);
  const cards = (await api.expect<PartnerScorecard[]>([200], AUDITOR, 'GET', '/v1/scorecards')).filter((c) =>
    crew.partnerIds.has(c.partnerId),
  );
  return {
    submitted,
    completed,
    lost,
    stuck,
    unexpected,
    appliedTwice,
    outcomes,
    ledgerVerified: verdict.ok,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    partners: cards,
    problems,
  };
}

async function untilEnded(api: ApiSession, caseId: string): Promise<Array<TrailEntry & { time: string }>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await api.call<Array<TrailEntry & { time: string }>>(AUDITOR, 'GET', `/v1/cases/${caseId}/audit`);
    const trail = r.status === 200 ? r.body : [];
    if (trail.some((e) => /case\.(completed|failed|withdrawn)/.test(e.type)) || Date.now() > deadline) return trail;
    await new Promise((r) => setTimeout(r, 300));
  }
}
