import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import {
  SignJWT,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  type CryptoKey,
} from 'jose';
import { z } from 'zod';

import { ROLES, Unauthenticated, type Caller, type Role } from './caller.js';

/** The `iss` of tokens the development issuer signs; no real issuer uses it. */
/** Where govmesh's development issuer keeps its key pair (the API serves it, `token mint` signs with it). */
export function developmentIssuerKeyFile(dataDir: string): string {
  return join(dataDir, 'api', 'development-issuer.json');
}

export const DEVELOPMENT_ISSUER = 'urn:govmesh:development-issuer';
/** The audience every govmesh token names, unless GOVMESH_OIDC_AUDIENCE says otherwise. */
export const DEFAULT_AUDIENCE = 'govmesh-api';
const ALGORITHMS = ['RS256', 'ES256'];

/** govmesh's claims, as an issuer puts them in the token (map them in the issuer's configuration). */
const Claims = z.object({
  sub: z.string().min(1),
  govmesh_role: z.enum(ROLES),
  officer_roles: z.array(z.string().min(1)).default([]),
  govmesh_agency: z.string().min(1).optional(),
});

/** Checks bearer tokens; the API needs nothing else of an identity provider. */
export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
}

/**
 * Verifies tokens signed by an issuer's keys (RS256 or ES256), for the issuer and audience
 * configured: never a shared secret, so whoever can check a token cannot make one.
 */
export class IssuerTokenVerifier implements TokenVerifier {
  constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly issuer: string,
    private readonly audience: string,
  ) {}

  async verify(token: string): Promise<Caller> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: ALGORITHMS,
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new Unauthenticated('the token has expired');
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'iss')
        throw new Unauthenticated(`the token was not issued by ${this.issuer}`);
      if (
        err instanceof errors.JWKSTimeout ||
        (err instanceof Error && /fetch failed|ECONNREFUSED/.test(err.message))
      ) {
        throw new Unauthenticated(`the issuer's keys could not be fetched; check GOVMESH_OIDC_ISSUER (${this.issuer})`);
      }
      throw new Unauthenticated('the bearer token is not valid for this API');
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success)
      throw new Unauthenticated(
        `the token lacks govmesh's claims: ${claims.error.issues.map((i) => i.path.join('.')).join(', ')}`,
      );
    const c = claims.data;
    return {
      role: c.govmesh_role,
      subject: c.sub,
      officerRoles: c.officer_roles,
      ...(c.govmesh_agency ? { agency: c.govmesh_agency } : {}),
    };
  }
}

/** Raised when the configured issuer cannot be used; names the variable to fix. */
export class IssuerUnavailable extends Error {
  override readonly name = 'IssuerUnavailable';
  readonly code = 'AUTH.ISSUER_UNAVAILABLE';
  readonly retriable = true;
  constructor(issuer: string, reason: string) {
    super(`the OpenID Connect issuer ${issuer} cannot be used: ${reason}; check GOVMESH_OIDC_ISSUER`);
  }
}

const Discovery = z.object({ issuer: z.string().min(1), jwks_uri: z.url() });

/** Reads the issuer's discovery document and verifies tokens against its JWKS (fetched and cached by jose). */
export async function discoverIssuer(issuer: string, audience: string): Promise<IssuerTokenVerifier> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let document: unknown;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    document = await response.json();
  } catch (err) {
    throw new IssuerUnavailable(issuer, (err as Error).message);
  }
  const parsed = Discovery.safeParse(document);
  if (!parsed.success)
    throw new IssuerUnavailable(
      issuer,
      `${url} is not an OpenID Connect discovery document (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})`,
    );
  if (parsed.data.issuer !== issuer)
    throw new IssuerUnavailable(issuer, `its discovery document names the issuer ${parsed.data.issuer}`);
  return new IssuerTokenVerifier(createRemoteJWKSet(new URL(parsed.data.jwks_uri)), issuer, audience);
}

interface StoredKey {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

/**
 * govmesh's own development issuer: an ES256 key pair made on first use (in the data folder, mode
 * 0600), which signs the tokens `govmesh token mint` and the demo hand out, and whose public key
 * the API serves as a JWKS. For a laptop only: the API refuses it in production.
 */
export class DevelopmentIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    readonly audience: string,
  ) {}

  /** A key pair kept in `file`, made there the first time. */
  static async open(file: string, audience = DEFAULT_AUDIENCE): Promise<DevelopmentIssuer> {
    if (!existsSync(file)) {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const kid = `dev-${Date.now().toString(36)}`;
      const stored: StoredKey = {
        privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' },
        publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
      };
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      try {
        writeFileSync(file, JSON.stringify(stored), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        // Another process (the API, `token mint`) made it first: use theirs.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    chmodSync(file, 0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredKey;
    return new DevelopmentIssuer(
      (await importJWK(stored.privateJwk, 'ES256')) as CryptoKey,
      stored.publicJwk,
      audience,
    );
  }

  /** A key pair that lives only in this process (tests). */
  static async ephemeral(audience = DEFAULT_AUDIENCE): Promise<DevelopmentIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return new DevelopmentIssuer(
      privateKey,
      { ...(await exportJWK(publicKey)), kid: 'ephemeral', alg: 'ES256', use: 'sig' },
      audience,
    );
  }

  async mint(
    caller: { role: Role; subject: string; officerRoles?: readonly string[]; agency?: string | undefined },
    expiresIn: string | number = '12h',
  ): Promise<string> {
    return await new SignJWT({
      govmesh_role: caller.role,
      officer_roles: [...(caller.officerRoles ?? [])],
      ...(caller.agency ? { govmesh_agency: caller.agency } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', kid: this.publicJwk.kid ?? 'dev' })
      .setSubject(caller.subject)
      .setIssuer(DEVELOPMENT_ISSUER)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(this.privateKey);
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }

  /** Verifies against this issuer's public key only. */
  verifier(): IssuerTokenVerifier {
    return new IssuerTokenVerifier(createLocalJWKSet(this.jwks()), DEVELOPMENT_ISSUER, this.audience);
  }
}
