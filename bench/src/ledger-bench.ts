import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteLedgerStore, canonicalJson, ledgerEntryOf, verifyLedger } from '@govmesh/audit';
import { DOMAIN_EVENTS, type DomainEvent } from '@govmesh/contracts/domain-events';

/** The ledger against raw SHA-256 over the same canonical bytes each record hashes. */
export function ledgerBench(events: number) {
  const entries = Array.from({ length: events }, (_, i) => {
    const caseId = `bench-${Math.floor(i / 10)}`;
    const event = {
      specversion: '1.0',
      id: `${caseId}/${i}`,
      source: '/govmesh/worker',
      type: DOMAIN_EVENTS.stepStarted.type,
      subject: caseId,
      time: new Date(1_790_000_000_000 + i).toISOString(),
      datacontenttype: 'application/json',
      dataschema: 'urn:govmesh:schema:bench',
      data: { correlationId: caseId, causationId: `${caseId}/${i - 1}`, stepId: `step-${i % 7}`, mode: 'outsourced' },
    } as DomainEvent;
    return ledgerEntryOf(event);
  });
  const bytes = entries.map((e) => Buffer.from(canonicalJson({ seq: 0, ...e, prevHash: '0'.repeat(64) })));
  return {
    raw(): number {
      const t = performance.now();
      for (const b of bytes) createHash('sha256').update(b).digest('hex');
      return events / ((performance.now() - t) / 1000);
    },
    async append(): Promise<{ append: number; verify: number }> {
      const store = new SqliteLedgerStore(join(mkdtempSync(join(tmpdir(), 'govmesh-bench-')), 'ledger.sqlite'));
      const t = performance.now();
      for (let i = 0; i < entries.length; i += 500) await store.append(entries.slice(i, i + 500));
      const append = events / ((performance.now() - t) / 1000);
      const v = performance.now();
      const verdict = await verifyLedger(store.records(), []);
      if (!verdict.ok) throw new Error('the bench ledger did not verify');
      const verify = events / ((performance.now() - v) / 1000);
      store.close();
      return { append, verify };
    },
  };
}
