import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { createResultBridge, type ResultBridge } from '@govmesh/bridge';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { ServiceDefinition, TaskStep } from '@govmesh/contracts/service-definition';
import { validateServiceDefinition } from '@govmesh/contracts/validate-service-definition';
import { CloudEventPublisher, createKafka, ensureTopics, personalData } from '@govmesh/messaging';
import { createAgency, offerOf } from '@govmesh/agency-sdk';
import { updatesSentAgainWhileBusy } from '@govmesh/case-client';
import type { PlatformStore } from '@govmesh/api';
import { DEMO_AGENCIES, demoRegistry, demoRegistryAddress } from '@govmesh/demo';
import { DevelopmentIssuer } from '@govmesh/tokens';
import { PartnerDirectory, createCaseWorkers, followPartnerRegistry, type PartnerStandings } from '@govmesh/worker';
import { temporalClientTracing } from '@govmesh/telemetry/setup';
import { caseStateQuery, type CaseState } from '@govmesh/workflows/case-api';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { parse } from 'yaml';

import { engines, platformPrincipal, testDataConverter } from './engines.js';
import { installTestRuntime } from './temporal-runtime.js';

/** Every line the components in this process logged at info and above, for tests of what logs hold. */
export const logLines: string[] = [];
const LOG_LINES_KEPT = 200_000;

/**
 * The logger of every component a test runs in its process: as the services' (personal data
 * redacted by the contracts' classification), printing warnings and errors, keeping info lines.
 */
export const logger = pino(
  { level: 'info', formatters: { log: personalData.formatLog } },
  pino.multistream([
    { level: 'warn', stream: process.stdout },
    {
      level: 'info',
      stream: {
        write: (line: string) => {
          if (logLines.length < LOG_LINES_KEPT) logLines.push(line);
        },
      },
    },
  ]),
);

/** A service definition from examples/, validated as an agency would publish it. */
export function exampleDefinition(file: string): ServiceDefinition {
  const report = validateServiceDefinition(
    parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8')),
  );
  if (!report.definition) throw new Error(`${file}: ${JSON.stringify(report.problems)}`);
  return report.definition;
}

/**
 * What the demo agencies' workers announce, kept in an API's store as their announcement would
 * keep it: a test's API then takes the definitions that name their activities.
 */
export async function withDemoAgencyOffers(store: PlatformStore): Promise<PlatformStore> {
  for (const [agency, activities] of Object.entries(DEMO_AGENCIES))
    await store.saveAgencyOffer(agency, offerOf(activities), `${agency}-systems`, new Date());
  return store;
}

/** Partner ids with a suffix of this run, so runs never share topics or consumer groups. */
export function runScoped(profiles: readonly PartnerProfile[]): {
  profiles: PartnerProfile[];
  id: (base: string) => string;
  suffix: string;
} {
  const suffix = randomBytes(3).toString('hex');
  const id = (base: string): string => `${base}-${suffix}`;
  return { profiles: profiles.map((p) => ({ ...p, id: id(p.id) })), id, suffix };
}

export interface TestPlatform {
  readonly client: Client;
  /** The worker's partners: a test suspends one here, as the API will. */
  readonly directory: PartnerDirectory;
  readonly kafka: Kafka;
  readonly taskQueue: string;
  stop(): Promise<void>;
}

/** The worker (cases and agencies) and the result bridge, in this process, on the real engines. */
export async function startPlatform(
  profiles: readonly PartnerProfile[],
  suffix: string,
  options: {
    standings?: PartnerStandings;
    /** Start with no partners and take them from the partner registry topic instead (those this accepts). */
    registry?: (profile: PartnerProfile) => boolean;
  } = {},
): Promise<TestPlatform> {
  installTestRuntime();
  const { kafkaBrokers, temporalAddress } = engines();
  const kafka = createKafka({
    clientId: `e2e-${suffix}`,
    brokers: kafkaBrokers,
    logger,
    credentials: platformPrincipal('admin'),
  });
  await ensureTopics(
    kafka,
    profiles.map((p) => p.id),
  );
  const publisher = new CloudEventPublisher(kafka);
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const connection = await Connection.connect({ address: temporalAddress });
  // Tests send Updates to cases directly: one a case refuses as busy is sent again, as CaseClient does.
  const client = new Client({
    connection,
    interceptors: { workflow: [...temporalClientTracing().workflow, updatesSentAgainWhileBusy()] },
    dataConverter: testDataConverter(),
  });
  const taskQueue = `e2e-cases-${suffix}`;
  const directory = new PartnerDirectory(options.registry ? [] : profiles, options.standings);
  const registry = options.registry
    ? await followPartnerRegistry({ kafka, directory, logger, accept: options.registry })
    : undefined;
  await registry?.caughtUp;
  const workers: Worker[] = await createCaseWorkers({
    connection: nativeConnection,
    namespace: 'default',
    publisher,
    partners: directory,
    logger,
    taskQueue,
    dataConverter: testDataConverter(),
  });
  const running = workers.map((w) => w.run());
  // Market regulation's enterprise registry as the service it is, on loopback; the agencies'
  // look-ups ask it with tokens of an issuer it trusts (here this platform's own).
  const agencyIssuer = await DevelopmentIssuer.ephemeral();
  const enterpriseRegistry = demoRegistry({ tokens: agencyIssuer.verifier(), logger });
  await enterpriseRegistry.start();
  // The demo agencies' systems, through the agency SDK as an agency runs them (here in-process).
  const agencies = Object.entries(DEMO_AGENCIES).map(([agency, activities]) =>
    createAgency({
      agency,
      activities,
      temporal: { connection: nativeConnection },
      dataConverter: testDataConverter(),
      lookups: {
        token: () => agencyIssuer.mint({ role: 'agency-admin', subject: `${agency}-systems`, agency }),
        registries: demoRegistryAddress(enterpriseRegistry.url),
      },
      logger,
    }),
  );
  await Promise.all(agencies.map((a) => a.start()));
  const ids = profiles.map((p) => p.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const bridge: ResultBridge = createResultBridge({
    kafka,
    client,
    publisher,
    logger,
    groupId: `e2e-bridge-${suffix}`,
    topicPattern: new RegExp(`^govmesh\\.results\\.(${ids})$`),
  });
  await bridge.start();
  return {
    client,
    directory,
    kafka,
    taskQueue,
    async stop() {
      await registry?.stop();
      await bridge.stop();
      await Promise.all(agencies.map((a) => a.stop()));
      await enterpriseRegistry.stop();
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
      await publisher.close();
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** Waits until the case's step reaches `status` (as the API's officer work list would show it). */
export async function untilStep(
  handle: WorkflowHandle,
  stepId: string,
  status: string,
  timeoutMs = 30_000,
): Promise<CaseState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(caseStateQuery);
    if (state.steps[stepId]?.status === status) return state;
    if (Date.now() > deadline)
      throw new Error(
        `step ${stepId} did not reach ${status} within ${timeoutMs} ms: ${JSON.stringify(state.steps[stepId])}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface LedgerEvent {
  readonly id: string;
  readonly type: string;
  readonly data: { correlationId: string; causationId: string } & Record<string, unknown>;
}

/** The domain events of one case on `govmesh.events`, read until `until` is among them. */
export async function caseEvents(
  kafka: Kafka,
  caseId: string,
  until: string,
  timeoutMs = 20_000,
): Promise<LedgerEvent[]> {
  const { EVENTS_TOPIC } = await import('@govmesh/contracts/topics');
  const consumer = kafka.consumer({ groupId: `e2e-ledger-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [EVENTS_TOPIC], fromBeginning: true });
  const events: LedgerEvent[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no ${until} for ${caseId} within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ')}`),
          ),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: ({ message }) => {
          if (message.key?.toString() === caseId) {
            const event = JSON.parse(message.value!.toString()) as LedgerEvent;
            events.push(event);
            if (event.type === until) {
              clearTimeout(timer);
              resolve();
            }
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return events;
}

/** An outsourced step handing `task` to partners, as the tests need it. */
export function outsourcedStep(
  id: string,
  task: string,
  share: string[],
  partners: Partial<NonNullable<TaskStep['partners']>> = {},
): TaskStep {
  return {
    id,
    task,
    classification: { core: false, critical: false },
    deadline: { hours: 1 },
    share,
    partners: { select: 'first-eligible', maxReassignments: 0, fallback: { fail: true }, ...partners },
  };
}

/** A service over the business-licence application with the given steps. */
export function serviceWith(id: string, steps: ServiceDefinition['steps']): ServiceDefinition {
  return {
    apiVersion: 'govmesh/v1',
    kind: 'Service',
    id,
    version: 1,
    title: id,
    ownerAgency: 'market-regulation',
    application: { schema: 'business-licence-application@1' },
    steps,
  };
}
