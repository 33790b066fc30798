import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { seedForms, seedTaskTypes, type TaskTypeRevision } from '@govmesh/contracts/standards';
import { describe, expect, it } from 'vitest';

import { RevisionTaken, offeredActivities, type PlatformStore } from './platform-store.js';

export interface PlatformStoreBackend {
  readonly name: string;
  /** An empty store of its own (the seed standards only). */
  open(): Promise<PlatformStore>;
  /** The same store opened by another process: a second API replica. */
  replica(of: PlatformStore): Promise<PlatformStore>;
}

const at = new Date('2026-12-01T09:00:00Z');
const definition = (id: string, version: number): ServiceDefinition =>
  ({
    id,
    version,
    ownerAgency: 'market-regulation',
    application: { schema: 'business-licence@1' },
    steps: [],
  }) as never;
const profile = (id: string, name = 'Checks Ltd'): PartnerProfile =>
  ({ id, name, capabilities: ['background-check@1'], terms: {}, status: 'active' }) as never;
const openedCase = (caseId: string, citizen: string, submittedAt = at.toISOString()) => ({
  caseId,
  serviceId: 'business-licence',
  serviceVersion: 1,
  citizen,
  submittedAt,
});

/**
 * What every backend of the API's state must do, run against each (SQLite in the unit suite,
 * PostgreSQL in the end-to-end suite on a real server), so the two never drift apart.
 */
export function describePlatformStore(backend: PlatformStoreBackend): void {
  describe(`the API's store on ${backend.name}`, () => {
    it('starts with the seed standards, and an agency revision becomes the latest', async () => {
      const store = await backend.open();
      expect((await store.latestTaskTypes()).length).toBe(seedTaskTypes().length);
      expect((await store.latestForms()).length).toBe(seedForms().length);
      const [seed] = await store.taskTypeRevisions('background-check', 1);
      const next: TaskTypeRevision = { ...seed!, revision: 2, publishedBy: 'an agency' };
      await store.saveTaskTypeRevision(next);
      expect((await store.taskTypeRevisions('background-check', 1)).map((r) => r.revision)).toEqual([1, 2]);
      expect((await store.latestTaskTypes()).find((t) => t.name === 'background-check' && t.major === 1)).toEqual(next);
      expect((await store.contracts()).taskTypeRefs()).toContain('background-check@1');
      // A revision number is taken once; a second publisher is told to read again.
      await expect(store.saveTaskTypeRevision({ ...next, publishedBy: 'someone else' })).rejects.toBeInstanceOf(
        RevisionTaken,
      );
      await store.close();
    });

    it('keeps every version of a service, its status, and the latest of each', async () => {
      const store = await backend.open();
      await store.publishService(definition('business-licence', 1), 'admin-1', at);
      await store.publishService(definition('business-licence', 2), 'admin-1', at, {
        application: { ref: 'business-licence@1', revision: 1 },
        taskTypes: {},
      });
      await store.publishService(definition('social-benefit', 1), 'admin-2', at);
      expect(await store.setServiceVersionStatus('business-licence', 1, 'retired')).toBe(true);
      expect(await store.setServiceVersionStatus('business-licence', 9, 'retired')).toBe(false);
      const versions = await store.serviceVersions('business-licence');
      expect(versions.map((v) => [v.definition.version, v.status, v.pins?.application.revision])).toEqual([
        [1, 'retired', undefined],
        [2, 'active', 1],
      ]);
      expect((await store.latestServices()).map((v) => `${v.definition.id}@${v.definition.version}`)).toEqual([
        'business-licence@2',
        'social-benefit@1',
      ]);
      await expect(store.publishService(definition('social-benefit', 1), 'admin-2', at)).rejects.toThrow();
      await store.close();
    });

    it("keeps partners, each one's contracting agency, and the agencies' offers", async () => {
      const store = await backend.open();
      await store.savePartner(profile('p-1'), at);
      await store.savePartner(profile('p-1', 'Renamed Ltd'), at);
      await store.savePartner(profile('p-0'), at);
      expect((await store.partner('p-1'))?.name).toBe('Renamed Ltd');
      expect((await store.partners()).map((p) => p.id)).toEqual(['p-0', 'p-1']);
      expect(await store.partnerAgency('p-1')).toBeUndefined();
      await store.setPartnerAgency('p-1', 'market-regulation');
      expect(await store.partnerAgency('p-1')).toBe('market-regulation');
      await store.saveAgencyOffer('public-security', { activities: [{ name: 'verifyIdentity' }] }, 'ps-1', at);
      await store.saveAgencyOffer('public-security', { activities: [{ name: 'verifyAddress' }] }, 'ps-2', at);
      expect(await store.agencyOffers()).toEqual([
        {
          agency: 'public-security',
          activities: [{ name: 'verifyAddress' }],
          announcedBy: 'ps-2',
          announcedAt: at.toISOString(),
        },
      ]);
      expect([...(await offeredActivities(store)).keys()]).toEqual(['public-security']);
      await store.close();
    });

    it('makes one case per idempotency key, even when two replicas are asked at once', async () => {
      const store = await backend.open();
      const other = await backend.replica(store);
      const answers = await Promise.all([
        store.openCase(openedCase('case-a', 'citizen-1'), 'key-1'),
        other.openCase(openedCase('case-b', 'citizen-1'), 'key-1'),
      ]);
      expect(answers.filter((a) => a.created)).toHaveLength(1);
      expect(new Set(answers.map((a) => a.record.caseId)).size).toBe(1);
      // The same key from another citizen is another case; no key is always a new case.
      expect((await store.openCase(openedCase('case-c', 'citizen-2'), 'key-1')).created).toBe(true);
      expect((await store.openCase(openedCase('case-d', 'citizen-1'), undefined)).created).toBe(true);
      expect((await store.casesOf('citizen-1')).map((c) => c.caseId).sort()).toEqual(
        [answers[0].record.caseId, 'case-d'].sort(),
      );
      await other.close();
      await store.close();
    });

    it('closes cases, schedules their erasure, and unlinks the applicant when erased', async () => {
      const store = await backend.open();
      await store.openCase(openedCase('case-1', 'citizen-1', '2026-12-01T08:00:00.000Z'), 'k');
      await store.openCase(openedCase('case-2', 'citizen-1', '2026-12-01T08:30:00.000Z'), undefined);
      expect((await store.openCasesSince(new Date('2026-12-01T08:10:00Z'))).map((c) => c.caseId)).toEqual(['case-2']);
      expect((await store.openCasesOfService('business-licence', 10)).map((c) => c.caseId)).toEqual([
        'case-2',
        'case-1',
      ]);
      const closedAt = new Date('2026-12-02T00:00:00Z');
      const eraseAfter = new Date('2027-01-01T00:00:00Z');
      expect(await store.noteClosed('case-1', closedAt, eraseAfter)).toBe(true);
      expect(await store.noteClosed('case-1', closedAt, eraseAfter)).toBe(false);
      await store.closeCase('case-2');
      expect(await store.openCasesOfService('business-licence', 10)).toEqual([]);
      expect(await store.casesDueForErasure(new Date('2026-12-31T00:00:00Z'), 10)).toEqual([]);
      expect((await store.casesDueForErasure(new Date('2027-01-02T00:00:00Z'), 10)).map((c) => c.caseId)).toEqual([
        'case-1',
      ]);
      await store.markErased('case-1', 'retention', new Date('2027-01-02T00:00:00Z'));
      expect(await store.case('case-1')).toMatchObject({
        citizen: '',
        closed: true,
        closedAt: closedAt.toISOString(),
        erased: { at: '2027-01-02T00:00:00.000Z', reason: 'retention' },
      });
      expect((await store.casesOf('citizen-1')).map((c) => c.caseId)).toEqual(['case-2']);
      expect(await store.casesOf('')).toEqual([]);
      // The erased case's key is gone with its applicant: the same key makes a new case.
      expect((await store.openCase(openedCase('case-3', 'citizen-1'), 'k')).created).toBe(true);
      await store.close();
    });

    it('takes an erasure request to one decision, and rates a case once', async () => {
      const store = await backend.open();
      const filed = {
        id: 'er-1',
        citizen: 'citizen-1',
        reason: 'moving abroad',
        filedBy: 'citizen-1',
        filedAt: at.toISOString(),
      };
      expect(await store.fileErasureRequest(filed)).toEqual({ ...filed, status: 'pending' });
      await store.fileErasureRequest({ ...filed, id: 'er-2', citizen: 'citizen-2', filedBy: 'citizen-2' });
      const decision = { status: 'approved' as const, by: 'auditor-1', at, reason: 'lawful' };
      expect(await store.decideErasureRequest('er-1', decision)).toBe(true);
      expect(await store.decideErasureRequest('er-1', { ...decision, status: 'refused' })).toBe(false);
      await store.recordErasureOutcomes('er-1', [{ caseId: 'case-1', outcome: 'erased' }]);
      expect(await store.erasureRequest('er-1')).toMatchObject({
        status: 'approved',
        decidedBy: 'auditor-1',
        outcomes: [{ caseId: 'case-1', outcome: 'erased' }],
      });
      expect((await store.erasureRequests({ status: 'pending' })).map((r) => r.id)).toEqual(['er-2']);
      expect((await store.erasureRequests({ citizen: 'citizen-1' })).map((r) => r.id)).toEqual(['er-1']);
      expect(await store.erasureRequests()).toHaveLength(2);
      expect(await store.rate('case-1', 5, at)).toBe(true);
      expect(await store.rate('case-1', 1, at)).toBe(false);
      expect(await store.watermark('closed-cases')).toBeUndefined();
      await store.setWatermark('closed-cases', at);
      await store.setWatermark('closed-cases', new Date('2026-12-02T00:00:00Z'));
      expect(await store.watermark('closed-cases')).toEqual(new Date('2026-12-02T00:00:00Z'));
      await store.close();
    });
  });
}
