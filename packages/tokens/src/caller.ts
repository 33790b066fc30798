export const ROLES = ['agency-admin', 'officer', 'partner', 'auditor', 'citizen'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the role, the subject (agency, officer, partner or citizen id) and an officer's roles. */
export interface Caller {
  readonly role: Role;
  readonly subject: string;
  /** For officers: the roles they hold in service definitions (e.g. licensing-officer). */
  readonly officerRoles: readonly string[];
  /** For administrators and officers: the agency they act for (claim `govmesh_agency`). */
  readonly agency?: string;
}

/** A bearer token the API does not accept; the message says why, without echoing the token. */
export class Unauthenticated extends Error {}
