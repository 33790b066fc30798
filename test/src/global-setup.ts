import {
  infraDown,
  infraUp,
  loadInfraConfig,
  type EngineName,
  type InfraStatus,
  type ProgressEvent,
} from '@govmesh/infra';
import { ensureCaseSearchAttributes } from '@govmesh/case-client';
import { Connection } from '@temporalio/client';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraStatus;
  }
}

/**
 * Brings up (or reuses) the real Kafka and Temporal before the end-to-end suite, and stops
 * afterwards only what it started here. A missing engine fails the suite with the reason and
 * what to do; it is never skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadInfraConfig();
  const progress = (event: ProgressEvent): void => {
    const elapsed = event.elapsedMs === undefined ? '' : ` (${Math.round(event.elapsedMs / 1000)} s)`;
    process.stderr.write(`[e2e ${event.engine}] ${event.message}${elapsed}\n`);
  };
  let status: InfraStatus;
  try {
    status = await infraUp(config, progress);
  } catch (err) {
    const hint =
      err instanceof Error && 'hint' in err && typeof err.hint === 'string' ? `\nwhat to do: ${err.hint}` : '';
    throw new Error(`the end-to-end suite needs a real Kafka and Temporal: ${(err as Error).message}${hint}`, {
      cause: err,
    });
  }
  // The search attributes the case workflow keeps, as the worker registers them at its start.
  const connection = await Connection.connect({ address: status.temporal.address });
  try {
    await ensureCaseSearchAttributes(connection, 'default');
  } finally {
    await connection.close();
  }
  project.provide('infra', status);
  return async () => {
    const started: EngineName[] = [status.temporal, status.kafka].filter((s) => s.startedNow).map((s) => s.engine);
    if (started.length > 0) await infraDown(config, progress, started);
  };
}
