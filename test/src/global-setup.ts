import {
  databaseUrl,
  infraDown,
  infraUp,
  loadInfraConfig,
  platformCredentials,
  type EngineName,
  type InfraStatus,
  type ProgressEvent,
} from '@govmesh/infra';
import { ensureCaseSearchAttributes } from '@govmesh/case-client';
import { saslOf } from '@govmesh/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { Connection } from '@temporalio/client';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraStatus;
    /** The suite's PostgreSQL: GOVMESH_DATABASE_URL's, else the one infra starts on loopback. */
    databaseUrl: string;
  }
}

/**
 * Brings up (or reuses) the real Kafka, Temporal and PostgreSQL before the end-to-end suite, and stops
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
    // PostgreSQL too: every store's suite runs on it as well as on SQLite.
    status = await infraUp(config, progress, { postgres: true });
  } catch (err) {
    const hint =
      err instanceof Error && 'hint' in err && typeof err.hint === 'string' ? `\nwhat to do: ${err.hint}` : '';
    throw new Error(
      `the end-to-end suite needs a real Kafka, Temporal and PostgreSQL: ${(err as Error).message}${hint}`,
      {
        cause: err,
      },
    );
  }
  // The search attributes the case workflow keeps, as the worker registers them at its start.
  const connection = await Connection.connect({ address: status.temporal.address });
  try {
    await ensureCaseSearchAttributes(connection, 'default');
  } finally {
    await connection.close();
  }
  project.provide('infra', status);
  project.provide('databaseUrl', databaseUrl(config));
  // Every run onboards partners of its own, each with its topics: on govmesh's own broker the suite
  // deletes what it created, or a laptop's broker gathers thousands of partitions and runs out of heap.
  const admin =
    status.kafka.mode === 'embedded'
      ? new Kafka({
          clientId: 'govmesh-e2e-topics',
          brokers: status.kafka.address.split(','),
          sasl: saslOf(platformCredentials(config, 'admin')),
          logLevel: logLevel.NOTHING,
        }).admin()
      : undefined;
  await admin?.connect();
  const before = new Set(await admin?.listTopics());
  return async () => {
    if (admin) {
      const created = (await admin.listTopics()).filter((t) => !before.has(t) && /^govmesh\.(tasks|results)\./.test(t));
      if (created.length) {
        await admin
          .deleteTopics({ topics: created, timeout: 60_000 })
          .then(() => process.stderr.write(`[e2e kafka] deleted the ${created.length} partner topics this run made\n`))
          .catch((err: unknown) =>
            process.stderr.write(`[e2e kafka] could not delete this run's topics: ${String(err)}\n`),
          );
      }
      await admin.disconnect();
    }
    const started: EngineName[] = [status.postgres, status.temporal, status.kafka]
      .filter((s) => s?.startedNow === true)
      .map((s) => s!.engine);
    if (started.length > 0) await infraDown(config, progress, started);
  };
}
