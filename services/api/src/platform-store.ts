import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
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
-- The agency that contracted each partner: only its administrators change the partner or its credentials.
CREATE TABLE IF NOT EXISTS partner_agencies (partner_id TEXT PRIMARY KEY, agency TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ratings (case_id TEXT PRIMARY KEY, score INTEGER NOT NULL, rated_at TEXT NOT NULL);
`;

export interface ServiceVersion {
  readonly definition: ServiceDefinition;
  readonly publishedAt: string;
  readonly publishedBy: string;
}

export interface CaseRecord {
  readonly caseId: string;
  readonly serviceId: string;
  readonly serviceVersion: number;
  readonly citizen: string;
  readonly submittedAt: string;
  readonly closed: boolean;
}

interface CaseRow {
  case_id: string;
  service_id: string;
  service_version: number;
  citizen: string;
  submitted_at: string;
  closed: number;
}
const toCase = (r: CaseRow): CaseRecord => ({
  caseId: r.case_id,
  serviceId: r.service_id,
  serviceVersion: r.service_version,
  citizen: r.citizen,
  submittedAt: r.submitted_at,
  closed: r.closed === 1,
});

/**
 * What the API keeps itself: the service catalogue with every version, the partner profiles,
 * which citizen owns which case (and their idempotency keys), and ratings. SQLite, WAL.
 */
export class PlatformStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  publishService(definition: ServiceDefinition, by: string, at: Date): void {
    this.db
      .prepare('INSERT INTO service_versions VALUES (?, ?, ?, ?, ?)')
      .run(definition.id, definition.version, JSON.stringify(definition), at.toISOString(), by);
  }

  serviceVersions(serviceId: string): ServiceVersion[] {
    return this.db
      .prepare<[string], { definition: string; published_at: string; published_by: string }>(
        'SELECT definition, published_at, published_by FROM service_versions WHERE service_id = ? ORDER BY version',
      )
      .all(serviceId)
      .map((r) => ({
        definition: JSON.parse(r.definition) as ServiceDefinition,
        publishedAt: r.published_at,
        publishedBy: r.published_by,
      }));
  }

  latestServices(): ServiceVersion[] {
    return this.db
      .prepare<[], { definition: string; published_at: string; published_by: string }>(
        'SELECT definition, published_at, published_by FROM service_versions v WHERE version = (SELECT MAX(version) FROM service_versions WHERE service_id = v.service_id) ORDER BY service_id',
      )
      .all()
      .map((r) => ({
        definition: JSON.parse(r.definition) as ServiceDefinition,
        publishedAt: r.published_at,
        publishedBy: r.published_by,
      }));
  }

  savePartner(profile: PartnerProfile, at: Date): void {
    this.db
      .prepare(
        'INSERT INTO partners VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at',
      )
      .run(profile.id, JSON.stringify(profile), at.toISOString());
  }

  /** The agency that contracted the partner; undefined for one onboarded before agencies were recorded. */
  partnerAgency(id: string): string | undefined {
    return this.db
      .prepare<[string], { agency: string }>('SELECT agency FROM partner_agencies WHERE partner_id = ?')
      .get(id)?.agency;
  }

  setPartnerAgency(id: string, agency: string): void {
    this.db
      .prepare(
        'INSERT INTO partner_agencies VALUES (?, ?) ON CONFLICT (partner_id) DO UPDATE SET agency = excluded.agency',
      )
      .run(id, agency);
  }

  partner(id: string): PartnerProfile | undefined {
    const row = this.db.prepare<[string], { profile: string }>('SELECT profile FROM partners WHERE id = ?').get(id);
    return row ? (JSON.parse(row.profile) as PartnerProfile) : undefined;
  }

  partners(): PartnerProfile[] {
    return this.db
      .prepare<[], { profile: string }>('SELECT profile FROM partners ORDER BY id')
      .all()
      .map((r) => JSON.parse(r.profile) as PartnerProfile);
  }

  /** Records a new case, or returns the one an earlier request with the same key created. */
  openCase(
    c: Omit<CaseRecord, 'closed'>,
    idempotencyKey: string | undefined,
  ): { record: CaseRecord; created: boolean } {
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
  }

  case(caseId: string): CaseRecord | undefined {
    const row = this.db.prepare<[string], CaseRow>('SELECT * FROM cases WHERE case_id = ?').get(caseId);
    return row ? toCase(row) : undefined;
  }

  openCases(): CaseRecord[] {
    return this.db.prepare<[], CaseRow>('SELECT * FROM cases WHERE closed = 0 ORDER BY submitted_at').all().map(toCase);
  }

  closeCase(caseId: string): void {
    this.db.prepare('UPDATE cases SET closed = 1 WHERE case_id = ?').run(caseId);
  }

  /** False when the case was rated already. */
  rate(caseId: string, score: number, at: Date): boolean {
    return (
      this.db.prepare('INSERT OR IGNORE INTO ratings VALUES (?, ?, ?)').run(caseId, score, at.toISOString()).changes ===
      1
    );
  }

  close(): void {
    this.db.close();
  }
}
