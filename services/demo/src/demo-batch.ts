import type { PartnerScorecard } from '@govmesh/contracts/partner-scorecard';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import { ADMIN, AUDITOR, citizen, type ApiSession } from './api-session.js';
import { DEMO_SERVICES, demoApplication, onDemoClock, readExample } from './demo-catalogue.js';
import { startDemoOfficer } from './demo-officer.js';
import { demoPartners, startDemoPartners } from './demo-partners.js';
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
  readonly kafka: Kafka;
  readonly logger: Logger;
  readonly root: string;
  readonly cases: number;
  /** How long a partner has on the demo clock (5 s). */
  readonly partnerSeconds?: number;
  /** When the batch gives up on cases that have not ended (3 min + 1 s a case). */
  readonly timeoutMs?: number;
  readonly onProgress?: (p: DemoProgress) => void;
}

interface CaseView {
  status: string;
  deadline: string | null;
}

/**
 * Publishes the catalogue, onboards the demo partners, runs the batch with a demo officer, waits
 * for every case to end and reach the ledger, then verifies the ledger and reads the scorecards.
 */
export async function runDemoBatch(o: DemoBatchOptions): Promise<DemoSummary> {
  const started = Date.now();
  const { api } = o;
  const problems: string[] = [];
  for (const file of DEMO_SERVICES) {
    const definition = onDemoClock(readExample(o.root, file), o.partnerSeconds ?? 5);
    // 409: this version is published already (an earlier run); the catalogue keeps it.
    await api.expect([201, 409], ADMIN, 'PUT', `/v1/services/${String(definition.id)}`, definition);
  }
  for (const { profile } of demoPartners()) {
    const created = await api.call(ADMIN, 'POST', '/v1/partners', profile);
    if (created.status === 409) await api.expect([200], ADMIN, 'PATCH', `/v1/partners/${profile.id}`, { status: 'active', reason: 'demo run: active again' });
    else if (created.status !== 201) throw new Error(`could not onboard ${profile.id}: ${created.status} ${JSON.stringify(created.body)}`);
  }
  // Give workers and the bridge a moment to read the registry and subscribe to the new topics.
  await new Promise((r) => setTimeout(r, 2_000));

  const scenarios = new Map<string, Scenario>();
  const partners = await startDemoPartners(o.kafka, o.logger, (caseId) => scenarios.get(caseId));
  const officer = startDemoOfficer(api, o.logger, (caseId) => scenarios.get(caseId));
  try {
    const cases: Array<{ caseId: string; n: number; scenario: Scenario }> = [];
    for (let n = 0; n < o.cases; n += 1) {
      const scenario = scenarioFor(n);
      // The scripted scenarios run on the business licence; plain cases alternate with the social benefit.
      const serviceId = scenario === 'on-time' && n % 10 === 0 ? 'social-benefit' : 'business-licence';
      const accepted = await api.expect<{ caseId: string }>([202], citizen(n), 'POST', '/v1/cases', { serviceId, application: demoApplication(serviceId, n) }, { 'idempotency-key': `demo-${started}-${n}` });
      scenarios.set(accepted.caseId, scenario);
      cases.push({ caseId: accepted.caseId, n, scenario });
    }

    const ended = new Map<string, CaseView>();
    const lost = new Set<string>();
    const timeoutAt = started + (o.timeoutMs ?? 180_000 + o.cases * 6_000);
    while (ended.size + lost.size < cases.length && Date.now() < timeoutAt) {
      for (const c of cases) {
        if (ended.has(c.caseId) || lost.has(c.caseId)) continue;
        const r = await api.call<CaseView>(citizen(c.n), 'GET', `/v1/cases/${c.caseId}`);
        if (r.status === 404) lost.add(c.caseId);
        else if (r.status === 200 && r.body.status !== 'running') ended.set(c.caseId, r.body);
      }
      o.onProgress?.({ submitted: cases.length, running: cases.length - ended.size - lost.size, completed: [...ended.values()].filter((v) => v.status === 'completed').length, outcomes: {} });
      if (ended.size + lost.size < cases.length) await new Promise((r) => setTimeout(r, 1_000));
    }

    // Each case's trail, once the ledger has its end.
    const outcomes = Object.fromEntries([...SCENARIOS, 'other'].map((s) => [s, 0])) as Record<Scenario | 'other', number>;
    let unexpected = 0;
    for (const c of cases) {
      const view = ended.get(c.caseId);
      if (!view) continue;
      const trail = await untilEnded(api, c.caseId);
      const endedAt = trail.find((e) => e.type === 'gov.govmesh.case.completed.v1')?.time;
      const onTime = !view.deadline || (endedAt !== undefined && Date.parse(endedAt) <= Date.parse(view.deadline));
      if (endedAsExpected(c.scenario, view.status, trail, onTime)) outcomes[c.scenario] += 1;
      else {
        unexpected += 1;
        outcomes.other += 1;
        problems.push(`${c.caseId} (${c.scenario}) ended ${view.status} with ${[...outcomesOf(trail)].join(', ') || 'no mark'}`);
      }
    }
    const stuck = cases.filter((c) => !ended.has(c.caseId) && !lost.has(c.caseId));
    for (const c of stuck) problems.push(`${c.caseId} (${c.scenario}) had not ended when the batch's time was up`);
    for (const id of lost) problems.push(`${id} is unknown to the platform`);
    const verdict = await api.expect<{ ok: boolean; reason: string | null }>([200], AUDITOR, 'GET', '/v1/audit/verify');
    if (!verdict.ok) problems.push(`the ledger did not verify: ${verdict.reason ?? ''}`);
    const ids = new Set<string>(demoPartners().map((p) => p.profile.id));
    const cards = (await api.expect<PartnerScorecard[]>([200], AUDITOR, 'GET', '/v1/scorecards')).filter((c) => ids.has(c.partnerId));
    return {
      submitted: cases.length, completed: [...ended.values()].filter((v) => v.status === 'completed').length, lost: lost.size, stuck: stuck.length,
      unexpected, outcomes, ledgerVerified: verdict.ok, seconds: Math.round((Date.now() - started) / 100) / 10, partners: cards, problems,
    };
  } finally {
    await officer.stop();
    await Promise.all(partners.map((p) => p.stop()));
  }
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
