import { Command } from 'commander';

import { loadInfraConfigWith, type InfraConfig } from './config.js';
import { infraDown, infraStatus, infraUp, type EngineStatus, type InfraStatus } from './engines.js';
import { engineTitle } from './errors.js';
import type { Progress } from './progress.js';

/** Human progress for a terminal: one line per event, on stderr so that `--json` stays clean. */
export const terminalProgress: Progress = (event) => {
  const elapsed = event.elapsedMs === undefined ? '' : ` (${Math.round(event.elapsedMs / 1000)} s)`;
  process.stderr.write(`[${event.engine}] ${event.message}${elapsed}\n`);
};

function describe(status: EngineStatus): string {
  const where = status.mode === 'external' ? 'external' : `pid ${status.pid ?? '-'}`;
  const ui = status.uiUrl ? `, UI ${status.uiUrl}` : '';
  const log = status.logFile ? `, log ${status.logFile}` : '';
  return `${engineTitle(status.engine).padEnd(9)} ${status.state.padEnd(11)} ${status.address} (${where}${ui}${log})`;
}

function print(status: InfraStatus, json: boolean): void {
  process.stdout.write(
    json
      ? `${JSON.stringify(status, null, 2)}\n`
      : [status.kafka, status.temporal, status.zipkin, status.postgres]
          .filter((s) => s !== undefined)
          .map((s) => `${describe(s)}\n`)
          .join(''),
  );
}

/** `govmesh infra up | down | status`, mounted by the govmesh command line. */
export function infraCommand(
  loadConfig: (overrides?: Record<string, string>) => InfraConfig = (overrides = {}) => loadInfraConfigWith(overrides),
): Command {
  const infra = new Command('infra').description('start, stop or inspect the embedded Kafka and Temporal on loopback');
  infra
    .command('up')
    .description(
      'start Kafka and Temporal (or reuse running ones; with KAFKA_BROKERS / TEMPORAL_ADDRESS only check them)',
    )
    .option('--tracing', "also start Zipkin's server on loopback, the trace viewer the services send spans to")
    .option(
      '--postgres',
      "also start PostgreSQL on loopback (Debian's server, a data folder of govmesh's own) for GOVMESH_DATABASE_URL",
    )
    .option(
      '--brokers <count>',
      'Kafka nodes: 1, or 3 (replication factor 3, min.insync.replicas 2; the same as GOVMESH_KAFKA_NODES=3)',
    )
    .option(
      '--temporal <kind>',
      "dev (default): the CLI's dev server on SQLite; server: Temporal's server on PostgreSQL with several history shards (the same as GOVMESH_TEMPORAL_KIND=server)",
    )
    .option('--json', 'print the status as JSON')
    .action(
      async (opts: { json?: boolean; tracing?: boolean; postgres?: boolean; brokers?: string; temporal?: string }) => {
        const config = loadConfig({
          ...(opts.brokers ? { GOVMESH_KAFKA_NODES: opts.brokers } : {}),
          ...(opts.temporal ? { GOVMESH_TEMPORAL_KIND: opts.temporal } : {}),
        });
        const status = await infraUp(config, terminalProgress, {
          tracing: opts.tracing === true,
          postgres: opts.postgres === true,
        });
        print(status, opts.json === true);
      },
    );
  infra
    .command('down')
    .description('stop the engines that `up` started (and the trace viewer); external clusters are never touched')
    .action(async () => {
      await infraDown(loadConfig(), terminalProgress);
    });
  infra
    .command('status')
    .description('tell what runs where')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }) => {
      print(await infraStatus(loadConfig()), opts.json === true);
    });
  return infra;
}
