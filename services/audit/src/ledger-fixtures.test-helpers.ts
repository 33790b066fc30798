import { DOMAIN_EVENTS, type DomainEvent, type DomainEventKind } from '@govmesh/contracts/domain-events';

import type { LedgerStore } from './ledger-store.js';

let counter = 0;

/** A valid domain event of one kind, as the worker or bridge would publish it. */
export function domainEvent<K extends DomainEventKind>(
  kind: K,
  caseId: string,
  data: Record<string, unknown>,
  time: string,
  source = '/govmesh/worker',
): DomainEvent {
  counter += 1;
  const parsed = DOMAIN_EVENTS[kind].data.parse({ correlationId: caseId, causationId: `${caseId}/cause`, ...data });
  return {
    specversion: '1.0',
    id: `${caseId}/${kind}/${counter}`,
    source,
    type: DOMAIN_EVENTS[kind].type,
    subject: caseId,
    time,
    datacontenttype: 'application/json',
    dataschema: `urn:govmesh:schema:${kind}`,
    data: parsed,
  } as DomainEvent;
}

/** The ledger, whose read stops after record `seq` until `open()` is called: a read that takes long. */
export function heldAfter(store: LedgerStore, seq: number) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const view: LedgerStore = Object.assign(Object.create(store) as LedgerStore, {
    async *facts(fromSeq = 1) {
      for await (const record of store.facts(fromSeq)) {
        yield record;
        if (record.seq === seq) await opened;
      }
    },
  });
  return { view, open };
}
