import type { AgencyOffer, AnnouncedOffer } from '@govmesh/contracts/agency-offer';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import {
  contractLookup,
  type ContractKind,
  type ContractLookup,
  type ContractPins,
  type FormRevision,
  type TaskTypeRevision,
} from '@govmesh/contracts/standards';
import { UNIQUE_VIOLATION, openSchemaPool } from '@govmesh/messaging';
import type pg from 'pg';

import {
  ERASED_APPLICANT,
  RevisionTaken,
  seedRevisions,
  toAnnouncedOffer,
  type AgencyOfferRow,
  toCase,
  toErasureRequest,
  toVersion,
  type CaseRecord,
  type CaseRow,
  type ErasureOutcome,
  type ErasureRequest,
  type ErasureRequestRow,
  type ErasureRequestStatus,
  type PlatformStore,
  type ServiceVersion,
  type ServiceVersionStatus,
  type VersionRow,
} from './platform-store.js';

/** The API's own schema: in a shared database, the audit ledger's tables are not beside it. */
export const DEFAULT_API_SCHEMA = 'govmesh_api';

const schemaSql = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}.service_versions (
  service_id TEXT NOT NULL, version INTEGER NOT NULL, definition TEXT NOT NULL,
  published_at TEXT NOT NULL, published_by TEXT NOT NULL, pins TEXT, status TEXT NOT NULL DEFAULT 'active',
  PRIMARY KEY (service_id, version)
);
CREATE TABLE IF NOT EXISTS ${s}.partners (id TEXT PRIMARY KEY, profile TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.cases (
  case_id TEXT PRIMARY KEY, service_id TEXT NOT NULL, service_version INTEGER NOT NULL, citizen TEXT NOT NULL,
  submitted_at TEXT NOT NULL, idempotency_key TEXT, closed INTEGER NOT NULL DEFAULT 0,
  closed_at TEXT, erase_after TEXT, erased_at TEXT, erasure_reason TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS cases_idempotency ON ${s}.cases (citizen, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS cases_open_by_service ON ${s}.cases (service_id, submitted_at) WHERE closed = 0;
CREATE INDEX IF NOT EXISTS cases_erase_after ON ${s}.cases (erase_after) WHERE erased_at IS NULL;
CREATE INDEX IF NOT EXISTS cases_of_citizen ON ${s}.cases (citizen, submitted_at);
CREATE TABLE IF NOT EXISTS ${s}.partner_agencies (partner_id TEXT PRIMARY KEY, agency TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.ratings (case_id TEXT PRIMARY KEY, score INTEGER NOT NULL, rated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.contract_revisions (
  kind TEXT NOT NULL, name TEXT NOT NULL, major INTEGER NOT NULL, revision INTEGER NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (kind, name, major, revision)
);
CREATE TABLE IF NOT EXISTS ${s}.agency_offers (
  agency TEXT PRIMARY KEY, offer TEXT NOT NULL, announced_by TEXT NOT NULL, announced_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.watermarks (name TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.erasure_requests (
  id TEXT PRIMARY KEY, citizen TEXT NOT NULL, reason TEXT NOT NULL, filed_by TEXT NOT NULL, filed_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', decided_by TEXT, decided_at TEXT, decision_reason TEXT, outcomes TEXT
);
`;

/**
 * The API's state on PostgreSQL, so that several API processes on several hosts share one
 * catalogue, one set of case owners and one set of idempotency keys. Row for row the SQLite
 * store's tables, in the API's own schema.
 */
export class PostgresPlatformStore implements PlatformStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
  ) {}

  static async open(url: string, options: { schema?: string; poolSize?: number } = {}): Promise<PostgresPlatformStore> {
    const schema = options.schema ?? DEFAULT_API_SCHEMA;
    const pool = await openSchemaPool(url, {
      schema,
      ddl: schemaSql,
      ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    });
    const store = new PostgresPlatformStore(pool, schema);
    await store.seedStandards(new Date());
    return store;
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }

  private async changed(sql: string, params: unknown[]): Promise<number> {
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }

  private async seedStandards(at: Date): Promise<void> {
    const seeds = seedRevisions(at);
    await this.pool.query(
      `INSERT INTO ${this.s}.contract_revisions SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[])
       ON CONFLICT DO NOTHING`,
      [
        seeds.map(([kind]) => kind),
        seeds.map(([, r]) => r.name),
        seeds.map(([, r]) => r.major),
        seeds.map(([, r]) => r.revision),
        seeds.map(([, r]) => JSON.stringify(r)),
      ],
    );
  }

  private async insertRevision(kind: ContractKind, r: TaskTypeRevision | FormRevision): Promise<void> {
    try {
      await this.pool.query(`INSERT INTO ${this.s}.contract_revisions VALUES ($1, $2, $3, $4, $5)`, [
        kind,
        r.name,
        r.major,
        r.revision,
        JSON.stringify(r),
      ]);
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION)
        throw new RevisionTaken(kind, `${r.name}@${r.major}`, r.revision);
      throw err;
    }
  }

  saveTaskTypeRevision(r: TaskTypeRevision): Promise<void> {
    return this.insertRevision('task-type', r);
  }

  saveFormRevision(r: FormRevision): Promise<void> {
    return this.insertRevision('form', r);
  }

  private async revisions<T>(kind: ContractKind, name: string, major: number): Promise<T[]> {
    const rows = await this.rows<{ record: string }>(
      `SELECT record FROM ${this.s}.contract_revisions WHERE kind = $1 AND name = $2 AND major = $3 ORDER BY revision`,
      [kind, name, major],
    );
    return rows.map((r) => JSON.parse(r.record) as T);
  }

  private async latest<T>(kind: ContractKind): Promise<T[]> {
    const rows = await this.rows<{ record: string }>(
      `SELECT DISTINCT ON (name, major) record FROM ${this.s}.contract_revisions WHERE kind = $1
       ORDER BY name, major, revision DESC`,
      [kind],
    );
    return rows.map((r) => JSON.parse(r.record) as T);
  }

  taskTypeRevisions(name: string, major: number): Promise<TaskTypeRevision[]> {
    return this.revisions('task-type', name, major);
  }

  formRevisions(name: string, major: number): Promise<FormRevision[]> {
    return this.revisions('form', name, major);
  }

  latestTaskTypes(): Promise<TaskTypeRevision[]> {
    return this.latest('task-type');
  }

  latestForms(): Promise<FormRevision[]> {
    return this.latest('form');
  }

  async contracts(): Promise<ContractLookup> {
    const [taskTypes, forms] = await Promise.all([this.latestTaskTypes(), this.latestForms()]);
    return contractLookup(taskTypes, forms);
  }

  async saveAgencyOffer(agency: string, offer: AgencyOffer, by: string, at: Date): Promise<AnnouncedOffer> {
    await this.pool.query(
      `INSERT INTO ${this.s}.agency_offers VALUES ($1, $2, $3, $4)
       ON CONFLICT (agency) DO UPDATE SET offer = excluded.offer, announced_by = excluded.announced_by, announced_at = excluded.announced_at`,
      [agency, JSON.stringify(offer), by, at.toISOString()],
    );
    return { agency, ...offer, announcedBy: by, announcedAt: at.toISOString() };
  }

  async agencyOffers(): Promise<AnnouncedOffer[]> {
    const rows = await this.rows<AgencyOfferRow>(`SELECT * FROM ${this.s}.agency_offers ORDER BY agency`);
    return rows.map(toAnnouncedOffer);
  }

  async publishService(definition: ServiceDefinition, by: string, at: Date, pins?: ContractPins): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.service_versions (service_id, version, definition, published_at, published_by, pins)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        definition.id,
        definition.version,
        JSON.stringify(definition),
        at.toISOString(),
        by,
        pins ? JSON.stringify(pins) : null,
      ],
    );
  }

  async setServiceVersionStatus(serviceId: string, version: number, status: ServiceVersionStatus): Promise<boolean> {
    return (
      (await this.changed(`UPDATE ${this.s}.service_versions SET status = $1 WHERE service_id = $2 AND version = $3`, [
        status,
        serviceId,
        version,
      ])) === 1
    );
  }

  async serviceVersions(serviceId: string): Promise<ServiceVersion[]> {
    const rows = await this.rows<VersionRow>(
      `SELECT definition, published_at, published_by, status, pins FROM ${this.s}.service_versions
       WHERE service_id = $1 ORDER BY version`,
      [serviceId],
    );
    return rows.map(toVersion);
  }

  async latestServices(): Promise<ServiceVersion[]> {
    const rows = await this.rows<VersionRow>(
      `SELECT DISTINCT ON (service_id) definition, published_at, published_by, status, pins
       FROM ${this.s}.service_versions ORDER BY service_id, version DESC`,
    );
    return rows.map(toVersion);
  }

  async savePartner(profile: PartnerProfile, at: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.partners VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at`,
      [profile.id, JSON.stringify(profile), at.toISOString()],
    );
  }

  async partnerAgency(id: string): Promise<string | undefined> {
    const [row] = await this.rows<{ agency: string }>(
      `SELECT agency FROM ${this.s}.partner_agencies WHERE partner_id = $1`,
      [id],
    );
    return row?.agency;
  }

  async setPartnerAgency(id: string, agency: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.partner_agencies VALUES ($1, $2) ON CONFLICT (partner_id) DO UPDATE SET agency = excluded.agency`,
      [id, agency],
    );
  }

  async partner(id: string): Promise<PartnerProfile | undefined> {
    const [row] = await this.rows<{ profile: string }>(`SELECT profile FROM ${this.s}.partners WHERE id = $1`, [id]);
    return row ? (JSON.parse(row.profile) as PartnerProfile) : undefined;
  }

  async partners(): Promise<PartnerProfile[]> {
    const rows = await this.rows<{ profile: string }>(`SELECT profile FROM ${this.s}.partners ORDER BY id`);
    return rows.map((r) => JSON.parse(r.profile) as PartnerProfile);
  }

  async openCase(
    c: Omit<CaseRecord, 'closed'>,
    idempotencyKey: string | undefined,
  ): Promise<{ record: CaseRecord; created: boolean }> {
    // One statement decides: two API replicas given the same key at once make one case, not two.
    const inserted = await this.changed(
      `INSERT INTO ${this.s}.cases (case_id, service_id, service_version, citizen, submitted_at, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (citizen, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,
      [c.caseId, c.serviceId, c.serviceVersion, c.citizen, c.submittedAt, idempotencyKey ?? null],
    );
    if (inserted === 1) return { record: { ...c, closed: false }, created: true };
    const [existing] = await this.rows<CaseRow>(
      `SELECT * FROM ${this.s}.cases WHERE citizen = $1 AND idempotency_key = $2`,
      [c.citizen, idempotencyKey],
    );
    return { record: toCase(existing!), created: false };
  }

  async case(caseId: string): Promise<CaseRecord | undefined> {
    const [row] = await this.rows<CaseRow>(`SELECT * FROM ${this.s}.cases WHERE case_id = $1`, [caseId]);
    return row ? toCase(row) : undefined;
  }

  async openCasesSince(since: Date): Promise<CaseRecord[]> {
    const rows = await this.rows<CaseRow>(
      `SELECT * FROM ${this.s}.cases WHERE closed = 0 AND submitted_at >= $1 ORDER BY submitted_at`,
      [since.toISOString()],
    );
    return rows.map(toCase);
  }

  async closeCase(caseId: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.s}.cases SET closed = 1 WHERE case_id = $1`, [caseId]);
  }

  async noteClosed(caseId: string, closedAt: Date, eraseAfter: Date): Promise<boolean> {
    return (
      (await this.changed(
        `UPDATE ${this.s}.cases SET closed = 1, closed_at = $1, erase_after = $2 WHERE case_id = $3 AND closed_at IS NULL`,
        [closedAt.toISOString(), eraseAfter.toISOString(), caseId],
      )) === 1
    );
  }

  async casesDueForErasure(now: Date, limit: number): Promise<CaseRecord[]> {
    const rows = await this.rows<CaseRow>(
      `SELECT * FROM ${this.s}.cases WHERE erased_at IS NULL AND erase_after <= $1 ORDER BY erase_after LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map(toCase);
  }

  async markErased(caseId: string, reason: 'retention' | 'request', at: Date): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.s}.cases SET erased_at = $1, erasure_reason = $2, citizen = $3, idempotency_key = NULL
       WHERE case_id = $4 AND erased_at IS NULL`,
      [at.toISOString(), reason, ERASED_APPLICANT, caseId],
    );
  }

  async openCasesOfService(serviceId: string, limit: number): Promise<CaseRecord[]> {
    const rows = await this.rows<CaseRow>(
      `SELECT * FROM ${this.s}.cases WHERE service_id = $1 AND closed = 0 ORDER BY submitted_at DESC LIMIT $2`,
      [serviceId, limit],
    );
    return rows.map(toCase);
  }

  async casesOf(citizen: string): Promise<CaseRecord[]> {
    if (citizen === ERASED_APPLICANT) return [];
    const rows = await this.rows<CaseRow>(`SELECT * FROM ${this.s}.cases WHERE citizen = $1 ORDER BY submitted_at`, [
      citizen,
    ]);
    return rows.map(toCase);
  }

  async watermark(name: string): Promise<Date | undefined> {
    const [row] = await this.rows<{ at: string }>(`SELECT at FROM ${this.s}.watermarks WHERE name = $1`, [name]);
    return row ? new Date(row.at) : undefined;
  }

  async setWatermark(name: string, at: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.watermarks VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET at = excluded.at`,
      [name, at.toISOString()],
    );
  }

  async fileErasureRequest(
    r: Pick<ErasureRequest, 'id' | 'citizen' | 'reason' | 'filedBy' | 'filedAt'>,
  ): Promise<ErasureRequest> {
    await this.pool.query(
      `INSERT INTO ${this.s}.erasure_requests (id, citizen, reason, filed_by, filed_at) VALUES ($1, $2, $3, $4, $5)`,
      [r.id, r.citizen, r.reason, r.filedBy, r.filedAt],
    );
    return { ...r, status: 'pending' };
  }

  async erasureRequest(id: string): Promise<ErasureRequest | undefined> {
    const [row] = await this.rows<ErasureRequestRow>(`SELECT * FROM ${this.s}.erasure_requests WHERE id = $1`, [id]);
    return row ? toErasureRequest(row) : undefined;
  }

  async erasureRequests(filter: { citizen?: string; status?: ErasureRequestStatus } = {}): Promise<ErasureRequest[]> {
    const rows = await this.rows<ErasureRequestRow>(
      `SELECT * FROM ${this.s}.erasure_requests
       WHERE ($1::text IS NULL OR citizen = $1) AND ($2::text IS NULL OR status = $2) ORDER BY filed_at DESC`,
      [filter.citizen ?? null, filter.status ?? null],
    );
    return rows.map(toErasureRequest);
  }

  async decideErasureRequest(
    id: string,
    decision: { status: 'approved' | 'refused'; by: string; at: Date; reason: string },
  ): Promise<boolean> {
    return (
      (await this.changed(
        `UPDATE ${this.s}.erasure_requests SET status = $1, decided_by = $2, decided_at = $3, decision_reason = $4
         WHERE id = $5 AND status = 'pending'`,
        [decision.status, decision.by, decision.at.toISOString(), decision.reason, id],
      )) === 1
    );
  }

  async recordErasureOutcomes(id: string, outcomes: readonly ErasureOutcome[]): Promise<void> {
    await this.pool.query(`UPDATE ${this.s}.erasure_requests SET outcomes = $1 WHERE id = $2`, [
      JSON.stringify(outcomes),
      id,
    ]);
  }

  async rate(caseId: string, score: number, at: Date): Promise<boolean> {
    return (
      (await this.changed(`INSERT INTO ${this.s}.ratings VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
        caseId,
        score,
        at.toISOString(),
      ])) === 1
    );
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
