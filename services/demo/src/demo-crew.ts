import { rolesAwaitedBy } from '@govmesh/contracts/service-rules';
import { PartnerKafkaAccess, type KafkaTls } from '@govmesh/messaging';
import type { Logger } from 'pino';

import { adminOf, type ApiSession } from './api-session.js';

/** The demo's partners are contracted by one agency, whose administrator onboards and manages them. */
const CONTRACTOR = adminOf('market-regulation');
import { DEMO_SERVICES, onDemoClock, readExample } from './demo-catalogue.js';
import { startDemoOfficer } from './demo-officer.js';
import { demoPartners, startDemoPartners } from './demo-partners.js';
import type { ScenarioBook } from './scenario-book.js';

/**
 * Everyone the demo plays: the catalogue published, the simulated partners on duty and the demo
 * officer at the inbox. `npm start` keeps the crew working after the batch, so that a case a user
 * submits by hand flows too.
 */
export interface DemoCrew {
  /** Which scenario each demo case plays; a case not in it is treated as a plain one. */
  readonly scenarios: ScenarioBook;
  /** Which partner ids this crew plays (for the scorecards). */
  readonly partnerIds: ReadonlySet<string>;
  /** Stops the partners and the officer and takes the partners off the registry's active list. */
  stop(): Promise<void>;
}

export interface DemoCrewOptions {
  readonly api: ApiSession;
  readonly logger: Logger;
  readonly root: string;
  /** How long a partner has on the demo clock (5 s). */
  readonly partnerSeconds?: number;
  /** Partner ids of this run's own (a test); the standing demo partners when empty. */
  readonly partnerSuffix?: string;
  /** TLS towards the brokers (their CA), when the cluster takes TLS. */
  readonly tls?: KafkaTls | undefined;
  /** Where the crew looks up each case's scenario (a batch of another process may write it). */
  readonly scenarios: ScenarioBook;
}

export async function startDemoCrew(o: DemoCrewOptions): Promise<DemoCrew> {
  const { api } = o;
  // Each agency's officer plays every role its services may wait on.
  const rolesByAgency = new Map<string, string[]>();
  // What task type each partner step is, so an officer who does it in-house records its output.
  const taskTypes = new Map<string, Map<string, string>>();
  for (const file of DEMO_SERVICES) {
    const definition = onDemoClock(readExample(o.root, file), o.partnerSeconds ?? 5);
    taskTypes.set(String(definition.id), new Map(taskStepsOf(definition)));
    const agency = String(definition.ownerAgency);
    const roles = rolesAwaitedBy(definition as unknown as Parameters<typeof rolesAwaitedBy>[0]);
    rolesByAgency.set(agency, [...new Set([...(rolesByAgency.get(agency) ?? []), ...roles])].sort());
    // 409: this version is published already (an earlier run); the catalogue keeps it.
    await api.expect(
      [201, 409],
      adminOf(String(definition.ownerAgency)),
      'PUT',
      `/v1/services/${String(definition.id)}`,
      definition,
    );
  }
  const crew = demoPartners(o.partnerSuffix);
  // Partners of a run with its own ids (a test) are terminated at the end; the standing demo
  // partners are only suspended, so that their scorecards carry over to the next `npm start`.
  const ownIds = crew.some((p) => p.profile.id !== p.base);
  const access = new Map<string, PartnerKafkaAccess>();
  for (const { profile } of crew) {
    const created = await api.call(CONTRACTOR, 'POST', '/v1/partners', profile);
    let answer = created.body;
    if (created.status === 409) {
      // A standing partner from an earlier run: back on duty, with a new password (the old one is not kept anywhere).
      await api.expect([200], CONTRACTOR, 'PATCH', `/v1/partners/${profile.id}`, {
        status: 'active',
        reason: 'demo run: back on duty',
      });
      answer = await api.expect([200], CONTRACTOR, 'POST', `/v1/partners/${profile.id}/credentials`);
    } else if (created.status !== 201)
      throw new Error(`could not onboard ${profile.id}: ${created.status} ${JSON.stringify(created.body)}`);
    access.set(profile.id, PartnerKafkaAccess.parse((answer as { kafka?: unknown }).kafka));
  }
  // Give workers and the bridge a moment to read the registry and subscribe to the new topics.
  await new Promise((r) => setTimeout(r, 2_000));

  const { scenarios } = o;
  // The partners read their task types from the API's contract registry, as a real partner would.
  const partners = await startDemoPartners(
    crew,
    access,
    o.logger,
    (caseId) => scenarios.get(caseId),
    o.tls,
    api.baseUrl,
  );
  // A case id starts with its service's id (contracts' case-ids).
  const taskTypeOf = (caseId: string, stepId: string) =>
    [...taskTypes].find(([serviceId]) => caseId.startsWith(`${serviceId}-`))?.[1].get(stepId);
  const officer = startDemoOfficer(api, o.logger, (caseId) => scenarios.get(caseId), rolesByAgency, taskTypeOf);
  let stopped: Promise<void> | undefined;
  return {
    scenarios,
    partnerIds: new Set(crew.map((p) => p.profile.id)),
    stop() {
      stopped ??= (async () => {
        await officer.stop();
        await Promise.all(partners.map((p) => p.stop()));
        // A partner nobody plays any more must not be sent work: the next case would wait out
        // its deadline for nothing (a test run's partners left active did exactly that).
        const status = ownIds ? 'terminated' : 'suspended';
        for (const { profile } of crew) {
          const r = await api
            .call(CONTRACTOR, 'PATCH', `/v1/partners/${profile.id}`, {
              status,
              reason: 'demo run ended: partner off duty',
            })
            .catch((err: unknown) => ({ status: 0, body: err }));
          if (r.status !== 200)
            o.logger.warn({ partnerId: profile.id, status: r.status }, 'could not take a demo partner off duty');
        }
      })();
      return stopped;
    },
  };
}

/** A definition's partner steps, parallel branches included: step id → task type. */
function taskStepsOf(definition: Record<string, unknown>): Array<[string, string]> {
  const walk = (steps: unknown): Array<[string, string]> =>
    (Array.isArray(steps) ? steps : []).flatMap((step: Record<string, unknown>) => [
      ...(typeof step.task === 'string' && typeof step.id === 'string'
        ? [[step.id, step.task] as [string, string]]
        : []),
      ...walk(step.parallel),
    ]);
  return walk(definition.steps);
}
