import { SignJWT, jwtVerify, errors } from 'jose';
import { z } from 'zod';

export const ROLES = ['agency-admin', 'officer', 'partner', 'auditor', 'citizen'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the role, the subject (agency, officer, partner or citizen id) and an officer's roles. */
export interface Caller {
  readonly role: Role;
  readonly subject: string;
  /** For officers: the roles they hold in service definitions (e.g. licensing-officer). */
  readonly officerRoles: readonly string[];
}

const Claims = z.object({
  sub: z.string().min(1),
  govmesh_role: z.enum(ROLES),
  officer_roles: z.array(z.string().min(1)).default([]),
});

const ISSUER = 'govmesh';
const AUDIENCE = 'govmesh-api';

export class Unauthenticated extends Error {}

/** Mints and checks the bearer tokens of the API (JWT, HS256, from a shared secret). */
export class TokenAuthority {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async mint(caller: { role: Role; subject: string; officerRoles?: readonly string[] }, expiresIn = '12h'): Promise<string> {
    return await new SignJWT({ govmesh_role: caller.role, officer_roles: [...(caller.officerRoles ?? [])] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(caller.subject)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(this.key);
  }

  async verify(token: string): Promise<Caller> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const claims = Claims.parse(payload);
      return { role: claims.govmesh_role, subject: claims.sub, officerRoles: claims.officer_roles };
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new Unauthenticated('the token has expired');
      throw new Unauthenticated('the bearer token is not valid for this API');
    }
  }
}
