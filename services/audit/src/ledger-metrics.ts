import { Counter, Gauge, type Registry } from 'prom-client';

import type { LedgerConsumerStats } from './ledger-consumer.js';

/** The ledger consumer's counts since start, its lag and its checkpoints, read at each scrape. */
export function ledgerMetrics(
  registry: Registry,
  stats: () => LedgerConsumerStats,
  now: () => number = Date.now,
): void {
  const gauge = (name: string, help: string, read: (s: LedgerConsumerStats) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const value = read(stats());
        if (value === undefined) this.reset();
        else this.set(value);
      },
    });
  gauge(
    'govmesh_audit_ledger_lag_messages',
    'Events on govmesh.events not yet in the ledger, as of the last batch read',
    (s) => s.lag,
  );
  gauge(
    'govmesh_audit_checkpoint_age_seconds',
    'Seconds since the ledger head was last signed (absent before the first checkpoint)',
    (s) => (s.lastCheckpointAt === undefined ? undefined : (now() - s.lastCheckpointAt) / 1000),
  );
  gauge('govmesh_audit_unsigned_records', 'Records appended since the last signed checkpoint', (s) => s.unsigned);
  const counter = (name: string, help: string, read: (s: ReturnType<typeof stats>) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(stats()));
      },
    });
  counter(
    'govmesh_audit_records_appended_total',
    'Ledger records appended since the service started',
    (s) => s.appended,
  );
  counter(
    'govmesh_audit_duplicates_total',
    'Events the ledger already held (a redelivery), ignored since start',
    (s) => s.duplicates,
  );
  counter(
    'govmesh_audit_dead_lettered_total',
    'Events refused by the ledger and sent to govmesh.dlq with the reason, since start',
    (s) => s.deadLettered,
  );
}
