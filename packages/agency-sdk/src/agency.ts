import { AgencyOffer, type OfferedActivity } from '@govmesh/contracts/agency-offer';
import type { JsonSchema } from '@govmesh/contracts/json-schema';
import { describeSchemaErrors, schemaErrors } from '@govmesh/contracts/schema-validator';
import { temporalActivityTracing } from '@govmesh/telemetry/setup';
import type { RegistryLookupRequest } from '@govmesh/contracts/registry-exchange';
import { REGISTRY_LOOKUP_ACTIVITY, type RegistryLookupActivity } from '@govmesh/workflows/case-activities';
import { agencyTaskQueue } from '@govmesh/workflows/task-queues';
import { ApplicationFailure, type DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';

import { askRegistry, requestHashOf } from './registry.js';

/** What a case hands an agency's activity: the case, the step, and the application's fields. */
export interface AgencyRequest {
  readonly caseId: string;
  readonly stepId: string;
  readonly application: Record<string, unknown>;
}

/** One of the agency's systems, as a step of a case runs it. */
export interface AgencyActivityDefinition {
  /** A sentence for the people who write service definitions. */
  readonly description?: string;
  /** JSON Schema of what it answers: an answer that breaks it fails the step, never reaches the case. */
  readonly output?: JsonSchema;
  readonly run: (request: AgencyRequest, context: { readonly logger: Logger }) => Promise<Record<string, unknown>>;
}

export interface AgencyOptions {
  /** The agency's name as definitions spell it in `run: { agency }` (kebab-case). */
  readonly agency: string;
  readonly activities: Readonly<Record<string, AgencyActivityDefinition>>;
  /** Temporal: its address, or a connection the caller owns. */
  readonly temporal: { readonly address: string } | { readonly connection: NativeConnection };
  readonly namespace?: string;
  /**
   * Opens and seals case data as every govmesh process does (`caseDataConverter` of the platform's
   * case keys): an agency reads the application its step is given.
   */
  readonly dataConverter: DataConverter;
  /**
   * Where to announce what the agency offers: govmesh's API, with a token of the agency
   * (`agency-admin` with `govmesh_agency` naming it). Without it nothing is announced, and
   * definitions naming these activities are refused at publish.
   */
  readonly announce?: { readonly apiUrl: string; readonly token: () => Promise<string> };
  /**
   * How the agency's cases read other agencies' registries: the agency's own token, and where each
   * provider's registry service listens (`<provider>/<registry>` → URL). A look-up of a registry
   * not listed here is refused (`REGISTRY.UNKNOWN`), recorded, and handled by the case.
   */
  readonly lookups?: {
    readonly token: () => Promise<string>;
    readonly registries: Readonly<Record<string, string>>;
  };
  readonly logger: Logger;
}

export interface Agency {
  /** What the agency's workers announce. */
  readonly offer: AgencyOffer;
  /** Polls the agency's task queue, then announces the offer; resolves once both are done. */
  start(): Promise<void>;
  /** Finishes the activities in hand and stops polling. */
  stop(): Promise<void>;
}

/** The API refused the agency's announcement (a token of another agency, an invalid offer). */
export class AgencyAnnouncementRefused extends Error {
  override readonly name = 'AgencyAnnouncementRefused';
  readonly code = 'AGENCY.ANNOUNCEMENT_REFUSED';
  readonly retriable = false;
  constructor(
    readonly agency: string,
    readonly status: number,
    detail: string,
  ) {
    super(`govmesh refused ${agency}'s offer (${status}): ${detail}`);
  }
}

/** The offer the activities make: their names, descriptions and output contracts, checked. */
export function offerOf(activities: Readonly<Record<string, AgencyActivityDefinition>>): AgencyOffer {
  const list: OfferedActivity[] = Object.entries(activities).map(([name, a]) => ({
    name,
    ...(a.description ? { description: a.description } : {}),
    ...(a.output ? { output: { ...a.output } } : {}),
  }));
  const parsed = AgencyOffer.safeParse({ activities: list });
  if (!parsed.success)
    throw new Error(
      `the activities do not make a valid offer: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/**
 * An agency's in-house systems as govmesh case steps: a Temporal worker on the agency's own task
 * queue (no other agency's work reaches it), and an announcement of what it offers, so that a
 * definition naming anything else is refused when it is published.
 */
export function createAgency(options: AgencyOptions): Agency {
  if (REGISTRY_LOOKUP_ACTIVITY in options.activities)
    throw new Error(`${REGISTRY_LOOKUP_ACTIVITY} is the SDK's own activity (a case's look-ups): name yours otherwise`);
  const offer = offerOf(options.activities);
  const logger = options.logger.child({ agency: options.agency });
  const taskQueue = agencyTaskQueue(options.agency);
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let ownConnection: NativeConnection | undefined;

  const activities = Object.fromEntries(
    Object.entries(options.activities).map(([name, a]) => [
      name,
      async (request: AgencyRequest): Promise<Record<string, unknown>> => {
        const activityLog = logger.child({ activity: name, caseId: request.caseId, stepId: request.stepId });
        const output = await a.run(request, { logger: activityLog });
        const problems = a.output ? schemaErrors(a.output, output) : [];
        if (problems.length) {
          activityLog.error({ problems: describeSchemaErrors(problems, 'output') }, 'the answer breaks the offer');
          // Not retried: the same system would answer the same; the case's fallback takes over.
          throw ApplicationFailure.nonRetryable(
            `${options.agency}'s ${name} answered what its offer does not allow: ${describeSchemaErrors(problems, 'output').join('; ')}`,
            'AGENCY.INVALID_OUTPUT',
          );
        }
        activityLog.info('activity done');
        return output;
      },
    ]),
  );

  // Every agency worker answers its cases' look-ups, as the agency: the provider decides.
  const registryLookup: RegistryLookupActivity = async (request) => {
    const { provider, registry, ...rest } = request;
    const exchangeLog = logger.child({ caseId: request.caseId, provider, registry });
    const url = options.lookups?.registries[`${provider}/${registry}`];
    const asked: RegistryLookupRequest = {
      requestId: rest.requestId,
      client: rest.client,
      caseId: rest.caseId,
      purpose: rest.purpose,
      fields: [...rest.fields],
      key: rest.key as RegistryLookupRequest['key'],
    };
    if (!url || !options.lookups) {
      exchangeLog.warn('no address for this registry: the look-up is refused');
      return {
        outcome: 'refused',
        requestHash: requestHashOf(asked),
        code: 'REGISTRY.UNKNOWN',
        reason: `${options.agency} knows no address for ${provider}'s ${registry}`,
      };
    }
    const outcome = await askRegistry(url, await options.lookups.token(), registry, asked);
    // The client's own log of the exchange: the same request hash the provider logs.
    exchangeLog.info(
      {
        requestHash: outcome.requestHash,
        outcome: outcome.outcome,
        ...(outcome.outcome === 'refused' ? { code: outcome.code } : {}),
      },
      'registry exchange',
    );
    return outcome;
  };
  activities[REGISTRY_LOOKUP_ACTIVITY] = registryLookup as never;

  async function announce(): Promise<void> {
    const target = options.announce;
    if (!target) return;
    const url = new URL(`/v1/agencies/${options.agency}/offer`, target.apiUrl);
    // The API may still be starting: try for a minute, then say why not.
    for (let attempt = 1; ; attempt += 1) {
      let failure: string;
      try {
        const response = await fetch(url, {
          method: 'PUT',
          headers: { authorization: `Bearer ${await target.token()}`, 'content-type': 'application/json' },
          body: JSON.stringify(offer),
        });
        if (response.ok) {
          logger.info({ activities: offer.activities.map((a) => a.name) }, 'offer announced');
          return;
        }
        const problem = (await response.json().catch(() => ({}))) as { detail?: string };
        if (response.status < 500 && response.status !== 429)
          throw new AgencyAnnouncementRefused(options.agency, response.status, problem.detail ?? response.statusText);
        failure = `${response.status} ${problem.detail ?? response.statusText}`;
      } catch (err) {
        if (err instanceof AgencyAnnouncementRefused) throw err;
        failure = (err as Error).message;
      }
      if (attempt >= 12) throw new Error(`could not announce ${options.agency}'s offer to ${url.origin}: ${failure}`);
      logger.warn({ attempt, reason: failure }, 'the API did not take the offer yet; trying again');
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }

  return {
    offer,
    async start() {
      const connection =
        'connection' in options.temporal
          ? options.temporal.connection
          : (ownConnection = await NativeConnection.connect({ address: options.temporal.address }));
      worker = await Worker.create({
        connection,
        namespace: options.namespace ?? 'default',
        taskQueue,
        dataConverter: options.dataConverter,
        activities,
        interceptors: { activity: temporalActivityTracing() },
      });
      running = worker.run();
      running.catch((err: unknown) => logger.fatal({ err }, 'the agency worker stopped'));
      logger.info({ taskQueue, activities: Object.keys(activities) }, 'agency worker polling');
      await announce();
    },
    async stop() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running?.catch(() => undefined);
      await ownConnection?.close();
    },
  };
}
