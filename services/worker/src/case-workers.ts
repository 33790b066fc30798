import type { CloudEventPublisher } from '@govmesh/messaging';
import { temporalActivityTracing } from '@govmesh/telemetry/setup';
import { CASE_TASK_QUEUE } from '@govmesh/workflows/task-queues';
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';

import { createCaseActivities } from './adapters/case-activities.js';
import { createErasureActivities } from './adapters/erasure-activities.js';
import { bundleCaseWorkflows, prebuiltCaseWorkflows } from './case-workflow-bundle.js';
import type { PartnerDirectory } from './domain/partner-directory.js';
import type { WorkingCalendar } from './domain/working-calendar.js';

export interface CaseWorkerDeps {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly publisher: CloudEventPublisher;
  readonly partners: PartnerDirectory;
  readonly logger: Logger;
  readonly calendar?: WorkingCalendar;
  /** The case task queue; tests use their own so that runs do not share workers. */
  readonly taskQueue?: string;
  /** How many cases stay cached between steps (the SDK's default when absent). */
  readonly maxCachedCases?: number;
  /** Seals case data before it reaches Temporal (`caseDataConverter`); the same keys as every client. */
  readonly dataConverter: DataConverter;
}

/**
 * The worker for cases; `run` until `shutdown` (or SIGTERM in main). The agencies' in-house
 * activities run in the agencies' own processes (`@govmesh/agency-sdk`), never here.
 */
export async function createCaseWorkers(deps: CaseWorkerDeps): Promise<Worker[]> {
  const prebuilt = prebuiltCaseWorkflows();
  if (!prebuilt)
    deps.logger.info('bundling the case workflows at start: the build has not bundled the workflow code as it is now');
  const caseWorker = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? CASE_TASK_QUEUE,
    // One bundle either way, made from caseWorkflowSources(): the trace interceptors and the
    // shared modules are in it.
    workflowBundle: prebuilt ? { codePath: prebuilt } : { code: await bundleCaseWorkflows() },
    dataConverter: deps.dataConverter,
    // Every activity runs in a span of the case's trace, and publishes with it.
    interceptors: { activity: temporalActivityTracing() },
    ...(deps.maxCachedCases !== undefined ? { maxCachedWorkflows: deps.maxCachedCases } : {}),
    activities: {
      ...createCaseActivities({
        publisher: deps.publisher,
        partners: deps.partners,
        logger: deps.logger,
        ...(deps.calendar ? { calendar: deps.calendar } : {}),
      }),
      // Erasing closed cases runs beside them: the worker alone writes partners' task topics.
      ...createErasureActivities({
        publisher: deps.publisher,
        workflowService: deps.connection.workflowService,
        namespace: deps.namespace,
        logger: deps.logger,
      }),
    },
  });
  return [caseWorker];
}
