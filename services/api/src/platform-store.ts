import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import type { AgencyOffer, AnnouncedOffer } from '@govmesh/contracts/agency-offer';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import {
  contractLookup,
  seedForms,
  seedTaskTypes,
  type ContractKind,
  type ContractLookup,
  type ContractPins,
  type FormRevision,
  type TaskTypeRevision,
} from '@govmesh/contracts/standards';
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS service_versions (
  service_id TEXT NOT NULL, version INTEGER NOT NULL, definition TEXT NOT NULL,
  published_at TEXT NOT NULL, published_by TEXT NOT NULL, PRIMARY KEY (service_id, version)
);
CREATE TABLE IF NOT EXISTS partners (id TEXT PRIMARY KEY, profile TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
  case_id TEXT PRIMARY KEY, service_id TEXT NOT NULL, service_version INTEGER NOT NULL, citizen TEXT NOT NULL,
  submitted_at TEXT NOT NULL, idempotency_key TEXT, closed INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS cases_idempotency ON cases (citizen, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS cases_open_by_service ON cases (service_id, submitted_at) WHERE closed = 0;
-- The agency that contracted each partner: only its administrators change the partner or its credentials.
CREATE TABLE IF NOT EXISTS partner_agencies (partner_id TEXT PRIMARY KEY, agency TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ratings (case_id TEXT PRIMARY KEY, score INTEGER NOT NULL, rated_at TEXT NOT NULL);
-- The contract registry: every revision of every task type and form, immutable once written.
CREATE TABLE IF NOT EXISTS contract_revisions (
  kind TEXT NOT NULL, name TEXT NOT NULL, major INTEGER NOT NULL, revision INTEGER NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (kind, name, major, revision)
);
-- What each agency's workers offer (announced by @govmesh/agency-sdk): definitions may name only these.
CREATE TABLE IF NOT EXISTS agency_offers (
  agency TEXT PRIMARY KEY, offer TEXT NOT NULL, announced_by TEXT NOT NULL, announced_at TEXT NOT NULL
);
-- How far the retention sweep has read Temporal's closed cases.
CREATE TABLE IF NOT EXISTS watermarks (name TEXT PRIMARY KEY, at TEXT NOT NULL);
-- A citizen's request to erase their cases; an auditor approves or refuses it.
CREATE TABLE IF NOT EXISTS erasure_requests (
  id TEXT PRIMARY KEY, citizen TEXT NOT NULL, reason TEXT NOT NULL, filed_by TEXT NOT NULL, filed_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', decided_by TEXT, decided_at TEXT, decision_reason TEXT, outcomes TEXT
);
`;

/** Columns added after the first release, by table; added in place to a store that lacks them. */
const ADDED_COLUMNS: Record<string, Record<string, string>> = {
  service_versions: {
    // The exact contract revisions the version uses, resolved when it was published.
    pins: 'TEXT',
    // active | deprecated | retired
    status: "TEXT NOT NULL DEFAULT 'active'",
  },
  cases: {
    // When Temporal closed the case, and when its personal data is due to be erased.
    closed_at: 'TEXT',
    erase_after: 'TEXT',
    // When it was erased, and why (retention | request); the applicant is unlinked then.
    erased_at: 'TEXT',
    erasure_reason: 'TEXT',
  },
};

/** The applicant of an erased case: nobody (the link between a person and a case is personal data). */
export const ERASED_APPLICANT = '';

export type ErasureRequestStatus = 'pending' | 'approved' | 'refused';

/** What became of one case of an approved erasure request. */
export interface ErasureOutcome {
  readonly caseId: string;
  readonly outcome: 'erased' | 'kept' | 'failed';
  /** Why a case was kept (still running) or could not be erased yet. */
  readonly reason?: string;
}

export interface ErasureRequest {
  readonly id: string;
  readonly citizen: string;
  readonly reason: string;
  /** The subject who filed it: the citizen, or the officer who took it down. */
  readonly filedBy: string;
  readonly filedAt: string;
  readonly status: ErasureRequestStatus;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly decisionReason?: string;
  readonly outcomes?: readonly ErasureOutcome[];
}

export interface ErasureRequestRow {
  id: string;
  citizen: string;
  reason: string;
  filed_by: string;
  filed_at: string;
  status: ErasureRequestStatus;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  outcomes: string | null;
}
export const toErasureRequest = (r: ErasureRequestRow): ErasureRequest => ({
  id: r.id,
  citizen: r.citizen,
  reason: r.reason,
  filedBy: r.filed_by,
  filedAt: r.filed_at,
  status: r.status,
  ...(r.decided_by ? { decidedBy: r.decided_by } : {}),
  ...(r.decided_at ? { decidedAt: r.decided_at } : {}),
  ...(r.decision_reason ? { decisionReason: r.decision_reason } : {}),
  ...(r.outcomes ? { outcomes: JSON.parse(r.outcomes) as ErasureOutcome[] } : {}),
});

export type ServiceVersionStatus = 'active' | 'deprecated' | 'retired';

/** A concurrent publish took the revision number first: the caller should read the major again and retry. */
export class RevisionTaken extends Error {
  readonly code = 'CONTRACT.REVISION_TAKEN';
  readonly retriable = true;
  constructor(kind: ContractKind, ref: string, revision: number) {
    super(`${kind} ${ref} revision ${revision} was published by someone else a moment ago`);
  }
}

export interface ServiceVersion {
  readonly definition: ServiceDefinition;
  readonly publishedAt: string;
  readonly publishedBy: string;
  readonly status: ServiceVersionStatus;
  /** Absent for versions published before contracts were pinned. */
  readonly pins?: ContractPins;
}

export interface VersionRow {
  definition: string;
  published_at: string;
  published_by: string;
  status: ServiceVersionStatus;
  pins: string | null;
}
export const toVersion = (r: VersionRow): ServiceVersion => ({
  definition: JSON.parse(r.definition) as ServiceDefinition,
  publishedAt: r.published_at,
  publishedBy: r.published_by,
  status: r.status,
  ...(r.pins ? { pins: JSON.parse(r.pins) as ContractPins } : {}),
});

export interface CaseRecord {
  readonly caseId: string;
  readonly serviceId: string;
  readonly serviceVersion: number;
  readonly citizen: string;
  readonly submittedAt: string;
  readonly closed: boolean;
  /** When Temporal closed it, once the retention sweep has seen it close. */
  readonly closedAt?: string;
  /** When its personal data is due to be erased (closing time plus the service's retention). */
  readonly eraseAfter?: string;
  /** Set once its personal data is erased; the applicant is unlinked then. */
  readonly erased?: { readonly at: string; readonly reason: 'retention' | 'request' };
}

export interface CaseRow {
  case_id: string;
  service_id: string;
  service_version: number;
  citizen: string;
  submitted_at: string;
  closed: number;
  closed_at: string | null;
  erase_after: string | null;
  erased_at: string | null;
  erasure_reason: 'retention' | 'request' | null;
}
export const toCase = (r: CaseRow): CaseRecord => ({
  caseId: r.case_id,
  serviceId: r.service_id,
  serviceVersion: r.service_version,
  citizen: r.citizen,
  submittedAt: r.submitted_at,
  closed: r.closed === 1,
  ...(r.closed_at ? { closedAt: r.closed_at } : {}),
  ...(r.erase_after ? { eraseAfter: r.erase_after } : {}),
  ...(r.erased_at ? { erased: { at: r.erased_at, reason: r.erasure_reason ?? 'retention' } } : {}),
});

export interface PlatformStore {
  saveTaskTypeRevision(r: TaskTypeRevision): Promise<void>;
  saveFormRevision(r: FormRevision): Promise<void>;
  /** Every revision of a task type's major, oldest first. */
  taskTypeRevisions(name: string, major: number): Promise<TaskTypeRevision[]>;
  formRevisions(name: string, major: number): Promise<FormRevision[]>;
  /** The latest revision of every task type major. */
  latestTaskTypes(): Promise<TaskTypeRevision[]>;
  latestForms(): Promise<FormRevision[]>;
  /** The latest revisions, as a definition is checked against them. */
  contracts(): Promise<ContractLookup>;
  /** An agency's workers' offer replaces the one before: what they run now is what they announced last. */
  saveAgencyOffer(agency: string, offer: AgencyOffer, by: string, at: Date): Promise<AnnouncedOffer>;
  agencyOffers(): Promise<AnnouncedOffer[]>;
  publishService(definition: ServiceDefinition, by: string, at: Date, pins?: ContractPins): Promise<void>;
  setServiceVersionStatus(serviceId: string, version: number, status: ServiceVersionStatus): Promise<boolean>;
  serviceVersions(serviceId: string): Promise<ServiceVersion[]>;
  latestServices(): Promise<ServiceVersion[]>;
  savePartner(profile: PartnerProfile, at: Date): Promise<void>;
  /** The agency that contracted the partner; undefined for one onboarded before agencies were recorded. */
  partnerAgency(id: string): Promise<string | undefined>;
  setPartnerAgency(id: string, agency: string): Promise<void>;
  partner(id: string): Promise<PartnerProfile | undefined>;
  partners(): Promise<PartnerProfile[]>;
  /** Records a new case, or returns the one an earlier request with the same key created. */
  openCase(
    c: Omit<CaseRecord, 'closed'>,
    idempotencyKey: string | undefined,
  ): Promise<{ record: CaseRecord; created: boolean }>;
  case(caseId: string): Promise<CaseRecord | undefined>;
  /** The open cases submitted at or after `since`, oldest first. */
  openCasesSince(since: Date): Promise<CaseRecord[]>;
  closeCase(caseId: string): Promise<void>;
  /**
   * Records that Temporal closed the case at `closedAt`, due for erasure at `eraseAfter`; false
   * when the store has no such case or knew already (a sweep reads with a margin).
   */
  noteClosed(caseId: string, closedAt: Date, eraseAfter: Date): Promise<boolean>;
  /** The closed cases whose retention ended by `now` and that still hold personal data, oldest first. */
  casesDueForErasure(now: Date, limit: number): Promise<CaseRecord[]>;
  /** The applicant is unlinked from the case (and its idempotency key dropped); the record says when and why. */
  markErased(caseId: string, reason: 'retention' | 'request', at: Date): Promise<void>;
  /** A service's cases not yet seen closed, newest first (at most `limit`). */
  openCasesOfService(serviceId: string, limit: number): Promise<CaseRecord[]>;
  /** Every case of one applicant (erased cases are no longer theirs). */
  casesOf(citizen: string): Promise<CaseRecord[]>;
  watermark(name: string): Promise<Date | undefined>;
  setWatermark(name: string, at: Date): Promise<void>;
  fileErasureRequest(
    r: Pick<ErasureRequest, 'id' | 'citizen' | 'reason' | 'filedBy' | 'filedAt'>,
  ): Promise<ErasureRequest>;
  erasureRequest(id: string): Promise<ErasureRequest | undefined>;
  /** Requests, newest first; one citizen's only when `citizen` is given. */
  erasureRequests(filter?: { citizen?: string; status?: ErasureRequestStatus }): Promise<ErasureRequest[]>;
  /** Takes a pending request to its decision; false when someone decided it first. */
  decideErasureRequest(
    id: string,
    decision: { status: 'approved' | 'refused'; by: string; at: Date; reason: string },
  ): Promise<boolean>;
  recordErasureOutcomes(id: string, outcomes: readonly ErasureOutcome[]): Promise<void>;
  /** False when the case was rated already. */
  rate(caseId: string, score: number, at: Date): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The standards govmesh first shipped as code, as revision 1 of each major the registry does not
 * have yet: a new platform starts with them, and an agency's later revisions are never overwritten.
 */
export function seedRevisions(at: Date): Array<[ContractKind, TaskTypeRevision | FormRevision]> {
  const meta = { revision: 1, publishedAt: at.toISOString(), publishedBy: 'govmesh seed catalogue' };
  return [
    ...seedTaskTypes().map((t): [ContractKind, TaskTypeRevision] => ['task-type', { ...t, ...meta }]),
    ...seedForms().map((f): [ContractKind, FormRevision] => ['form', { ...f, ...meta }]),
  ];
}

/** Each agency's offered activities (names and promised outputs), as the definition check reads them. */
export async function offeredActivities(store: PlatformStore): Promise<Map<string, AgencyOffer['activities']>> {
  return new Map((await store.agencyOffers()).map((o) => [o.agency, o.activities]));
}

export interface AgencyOfferRow {
  agency: string;
  offer: string;
  announced_by: string;
  announced_at: string;
}
export const toAnnouncedOffer = (r: AgencyOfferRow): AnnouncedOffer => ({
  agency: r.agency,
  ...(JSON.parse(r.offer) as AgencyOffer),
  announcedBy: r.announced_by,
  announcedAt: r.announced_at,
});

/** A synchronous SQLite call as the store's promise: its throw becomes the rejection. */
function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * What the API keeps itself: the service catalogue with every version, the partner profiles,
 * which citizen owns which case (and their idempotency keys), and ratings. SQLite, WAL.
 */
export class SqlitePlatformStore implements PlatformStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    for (const [table, added] of Object.entries(ADDED_COLUMNS)) {
      const columns = new Set(
        this.db
          .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
          .all()
          .map((c) => c.name),
      );
      for (const [name, type] of Object.entries(added))
        if (!columns.has(name)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
    }
    this.db.exec('CREATE INDEX IF NOT EXISTS cases_erase_after ON cases (erase_after) WHERE erased_at IS NULL');
    this.seedStandards(new Date());
  }

  private seedStandards(at: Date): void {
    this.db.transaction(() => {
      for (const [kind, record] of seedRevisions(at)) this.insertRevision(kind, record, true);
    })();
  }

  private insertRevision(kind: ContractKind, r: TaskTypeRevision | FormRevision, ifNew = false): void {
    const sql = `INSERT ${ifNew ? 'OR IGNORE ' : ''}INTO contract_revisions VALUES (?, ?, ?, ?, ?)`;
    try {
      this.db.prepare(sql).run(kind, r.name, r.major, r.revision, JSON.stringify(r));
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
        throw new RevisionTaken(kind, `${r.name}@${r.major}`, r.revision);
      throw err;
    }
  }

  saveTaskTypeRevision(r: TaskTypeRevision): Promise<void> {
    return settled(() => {
      this.insertRevision('task-type', r);
    });
  }

  saveFormRevision(r: FormRevision): Promise<void> {
    return settled(() => {
      this.insertRevision('form', r);
    });
  }

  private revisions<T>(kind: ContractKind, name: string, major: number): T[] {
    return this.db
      .prepare<[string, string, number], { record: string }>(
        'SELECT record FROM contract_revisions WHERE kind = ? AND name = ? AND major = ? ORDER BY revision',
      )
      .all(kind, name, major)
      .map((r) => JSON.parse(r.record) as T);
  }

  private latest<T>(kind: ContractKind): T[] {
    return this.db
      .prepare<[string], { record: string }>(
        `SELECT record FROM contract_revisions c WHERE kind = ?
         AND revision = (SELECT MAX(revision) FROM contract_revisions WHERE kind = c.kind AND name = c.name AND major = c.major)
         ORDER BY name, major`,
      )
      .all(kind)
      .map((r) => JSON.parse(r.record) as T);
  }

  /** Every revision of a task type's major, oldest first. */
  taskTypeRevisions(name: string, major: number): Promise<TaskTypeRevision[]> {
    return settled(() => {
      return this.revisions('task-type', name, major);
    });
  }

  formRevisions(name: string, major: number): Promise<FormRevision[]> {
    return settled(() => {
      return this.revisions('form', name, major);
    });
  }

  /** The latest revision of every task type major. */
  latestTaskTypes(): Promise<TaskTypeRevision[]> {
    return settled(() => {
      return this.latest('task-type');
    });
  }

  latestForms(): Promise<FormRevision[]> {
    return settled(() => {
      return this.latest('form');
    });
  }

  /** The latest revisions, as a definition is checked against them. */
  contracts(): Promise<ContractLookup> {
    return settled(() => {
      return contractLookup(this.latest('task-type'), this.latest('form'));
    });
  }

  /** An agency's workers' offer replaces the one before: what they run now is what they announced last. */
  saveAgencyOffer(agency: string, offer: AgencyOffer, by: string, at: Date): Promise<AnnouncedOffer> {
    return settled(() => {
      this.db
        .prepare(
          `INSERT INTO agency_offers VALUES (?, ?, ?, ?)
           ON CONFLICT (agency) DO UPDATE SET offer = excluded.offer, announced_by = excluded.announced_by, announced_at = excluded.announced_at`,
        )
        .run(agency, JSON.stringify(offer), by, at.toISOString());
      return { agency, ...offer, announcedBy: by, announcedAt: at.toISOString() };
    });
  }

  agencyOffers(): Promise<AnnouncedOffer[]> {
    return settled(() => {
      return this.db
        .prepare<[], AgencyOfferRow>('SELECT * FROM agency_offers ORDER BY agency')
        .all()
        .map(toAnnouncedOffer);
    });
  }

  publishService(definition: ServiceDefinition, by: string, at: Date, pins?: ContractPins): Promise<void> {
    return settled(() => {
      this.db
        .prepare(
          'INSERT INTO service_versions (service_id, version, definition, published_at, published_by, pins) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          definition.id,
          definition.version,
          JSON.stringify(definition),
          at.toISOString(),
          by,
          pins ? JSON.stringify(pins) : null,
        );
    });
  }

  setServiceVersionStatus(serviceId: string, version: number, status: ServiceVersionStatus): Promise<boolean> {
    return settled(() => {
      return (
        this.db
          .prepare('UPDATE service_versions SET status = ? WHERE service_id = ? AND version = ?')
          .run(status, serviceId, version).changes === 1
      );
    });
  }

  serviceVersions(serviceId: string): Promise<ServiceVersion[]> {
    return settled(() => {
      return this.db
        .prepare<[string], VersionRow>(
          'SELECT definition, published_at, published_by, status, pins FROM service_versions WHERE service_id = ? ORDER BY version',
        )
        .all(serviceId)
        .map(toVersion);
    });
  }

  latestServices(): Promise<ServiceVersion[]> {
    return settled(() => {
      return this.db
        .prepare<[], VersionRow>(
          'SELECT definition, published_at, published_by, status, pins FROM service_versions v WHERE version = (SELECT MAX(version) FROM service_versions WHERE service_id = v.service_id) ORDER BY service_id',
        )
        .all()
        .map(toVersion);
    });
  }

  savePartner(profile: PartnerProfile, at: Date): Promise<void> {
    return settled(() => {
      this.db
        .prepare(
          'INSERT INTO partners VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at',
        )
        .run(profile.id, JSON.stringify(profile), at.toISOString());
    });
  }

  /** The agency that contracted the partner; undefined for one onboarded before agencies were recorded. */
  partnerAgency(id: string): Promise<string | undefined> {
    return settled(() => {
      return this.db
        .prepare<[string], { agency: string }>('SELECT agency FROM partner_agencies WHERE partner_id = ?')
        .get(id)?.agency;
    });
  }

  setPartnerAgency(id: string, agency: string): Promise<void> {
    return settled(() => {
      this.db
        .prepare(
          'INSERT INTO partner_agencies VALUES (?, ?) ON CONFLICT (partner_id) DO UPDATE SET agency = excluded.agency',
        )
        .run(id, agency);
    });
  }

  partner(id: string): Promise<PartnerProfile | undefined> {
    return settled(() => {
      const row = this.db.prepare<[string], { profile: string }>('SELECT profile FROM partners WHERE id = ?').get(id);
      return row ? (JSON.parse(row.profile) as PartnerProfile) : undefined;
    });
  }

  partners(): Promise<PartnerProfile[]> {
    return settled(() => {
      return this.db
        .prepare<[], { profile: string }>('SELECT profile FROM partners ORDER BY id')
        .all()
        .map((r) => JSON.parse(r.profile) as PartnerProfile);
    });
  }

  /** Records a new case, or returns the one an earlier request with the same key created. */
  openCase(
    c: Omit<CaseRecord, 'closed'>,
    idempotencyKey: string | undefined,
  ): Promise<{ record: CaseRecord; created: boolean }> {
    return settled(() => {
      if (idempotencyKey) {
        const existing = this.db
          .prepare<[string, string], CaseRow>('SELECT * FROM cases WHERE citizen = ? AND idempotency_key = ?')
          .get(c.citizen, idempotencyKey);
        if (existing) return { record: toCase(existing), created: false };
      }
      this.db
        .prepare(
          'INSERT INTO cases (case_id, service_id, service_version, citizen, submitted_at, idempotency_key) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(c.caseId, c.serviceId, c.serviceVersion, c.citizen, c.submittedAt, idempotencyKey ?? null);
      return { record: { ...c, closed: false }, created: true };
    });
  }

  case(caseId: string): Promise<CaseRecord | undefined> {
    return settled(() => {
      const row = this.db.prepare<[string], CaseRow>('SELECT * FROM cases WHERE case_id = ?').get(caseId);
      return row ? toCase(row) : undefined;
    });
  }

  /** The open cases submitted at or after `since`, oldest first. */
  openCasesSince(since: Date): Promise<CaseRecord[]> {
    return settled(() => {
      return this.db
        .prepare<[string], CaseRow>('SELECT * FROM cases WHERE closed = 0 AND submitted_at >= ? ORDER BY submitted_at')
        .all(since.toISOString())
        .map(toCase);
    });
  }

  closeCase(caseId: string): Promise<void> {
    return settled(() => {
      this.db.prepare('UPDATE cases SET closed = 1 WHERE case_id = ?').run(caseId);
    });
  }

  /**
   * Records that Temporal closed the case at `closedAt`, due for erasure at `eraseAfter`; false
   * when the store has no such case or knew already (a sweep reads with a margin).
   */
  noteClosed(caseId: string, closedAt: Date, eraseAfter: Date): Promise<boolean> {
    return settled(() => {
      return (
        this.db
          .prepare(
            'UPDATE cases SET closed = 1, closed_at = ?, erase_after = ? WHERE case_id = ? AND closed_at IS NULL',
          )
          .run(closedAt.toISOString(), eraseAfter.toISOString(), caseId).changes === 1
      );
    });
  }

  /** The closed cases whose retention ended by `now` and that still hold personal data, oldest first. */
  casesDueForErasure(now: Date, limit: number): Promise<CaseRecord[]> {
    return settled(() => {
      return this.db
        .prepare<[string, number], CaseRow>(
          'SELECT * FROM cases WHERE erased_at IS NULL AND erase_after <= ? ORDER BY erase_after LIMIT ?',
        )
        .all(now.toISOString(), limit)
        .map(toCase);
    });
  }

  /** The applicant is unlinked from the case (and its idempotency key dropped); the record says when and why. */
  markErased(caseId: string, reason: 'retention' | 'request', at: Date): Promise<void> {
    return settled(() => {
      this.db
        .prepare(
          'UPDATE cases SET erased_at = ?, erasure_reason = ?, citizen = ?, idempotency_key = NULL WHERE case_id = ? AND erased_at IS NULL',
        )
        .run(at.toISOString(), reason, ERASED_APPLICANT, caseId);
    });
  }

  /** A service's cases not yet seen closed, newest first (at most `limit`). */
  openCasesOfService(serviceId: string, limit: number): Promise<CaseRecord[]> {
    return settled(() => {
      return this.db
        .prepare<[string, number], CaseRow>(
          'SELECT * FROM cases WHERE service_id = ? AND closed = 0 ORDER BY submitted_at DESC LIMIT ?',
        )
        .all(serviceId, limit)
        .map(toCase);
    });
  }

  /** Every case of one applicant (erased cases are no longer theirs). */
  casesOf(citizen: string): Promise<CaseRecord[]> {
    return settled(() => {
      if (citizen === ERASED_APPLICANT) return [];
      return this.db
        .prepare<[string], CaseRow>('SELECT * FROM cases WHERE citizen = ? ORDER BY submitted_at')
        .all(citizen)
        .map(toCase);
    });
  }

  watermark(name: string): Promise<Date | undefined> {
    return settled(() => {
      const row = this.db.prepare<[string], { at: string }>('SELECT at FROM watermarks WHERE name = ?').get(name);
      return row ? new Date(row.at) : undefined;
    });
  }

  setWatermark(name: string, at: Date): Promise<void> {
    return settled(() => {
      this.db
        .prepare('INSERT INTO watermarks VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at')
        .run(name, at.toISOString());
    });
  }

  fileErasureRequest(
    r: Pick<ErasureRequest, 'id' | 'citizen' | 'reason' | 'filedBy' | 'filedAt'>,
  ): Promise<ErasureRequest> {
    return settled(() => {
      this.db
        .prepare('INSERT INTO erasure_requests (id, citizen, reason, filed_by, filed_at) VALUES (?, ?, ?, ?, ?)')
        .run(r.id, r.citizen, r.reason, r.filedBy, r.filedAt);
      return { ...r, status: 'pending' };
    });
  }

  erasureRequest(id: string): Promise<ErasureRequest | undefined> {
    return settled(() => {
      const row = this.db.prepare<[string], ErasureRequestRow>('SELECT * FROM erasure_requests WHERE id = ?').get(id);
      return row ? toErasureRequest(row) : undefined;
    });
  }

  /** Requests, newest first; one citizen's only when `citizen` is given. */
  erasureRequests(filter: { citizen?: string; status?: ErasureRequestStatus } = {}): Promise<ErasureRequest[]> {
    return settled(() => {
      return this.db
        .prepare<[string | null, string | null, string | null, string | null], ErasureRequestRow>(
          'SELECT * FROM erasure_requests WHERE (? IS NULL OR citizen = ?) AND (? IS NULL OR status = ?) ORDER BY filed_at DESC',
        )
        .all(filter.citizen ?? null, filter.citizen ?? null, filter.status ?? null, filter.status ?? null)
        .map(toErasureRequest);
    });
  }

  /** Takes a pending request to its decision; false when someone decided it first. */
  decideErasureRequest(
    id: string,
    decision: { status: 'approved' | 'refused'; by: string; at: Date; reason: string },
  ): Promise<boolean> {
    return settled(() => {
      return (
        this.db
          .prepare(
            "UPDATE erasure_requests SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ? AND status = 'pending'",
          )
          .run(decision.status, decision.by, decision.at.toISOString(), decision.reason, id).changes === 1
      );
    });
  }

  recordErasureOutcomes(id: string, outcomes: readonly ErasureOutcome[]): Promise<void> {
    return settled(() => {
      this.db.prepare('UPDATE erasure_requests SET outcomes = ? WHERE id = ?').run(JSON.stringify(outcomes), id);
    });
  }

  /** False when the case was rated already. */
  rate(caseId: string, score: number, at: Date): Promise<boolean> {
    return settled(() => {
      return (
        this.db.prepare('INSERT OR IGNORE INTO ratings VALUES (?, ?, ?)').run(caseId, score, at.toISOString())
          .changes === 1
      );
    });
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
