import { Counter, type Registry } from 'prom-client';

/** The ledger consumer's counts since start, read at each scrape. */
export function ledgerMetrics(
  registry: Registry,
  stats: () => { appended: number; duplicates: number; deadLettered: number },
): void {
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
