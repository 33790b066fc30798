import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { EncryptJWT, jwtDecrypt } from 'jose';

/** Who is signed in: their API token and what it says about them (for the pages, not for checks). */
export interface Session {
  readonly token: string;
  readonly role: string;
  readonly subject: string;
  /** The agency an administrator or officer acts for. */
  readonly agency?: string;
  /** Random per sign-in: the forms' anti-forgery tokens are bound to it. */
  readonly sid: string;
  /** When the token (and so the session) ends, seconds since the epoch. */
  readonly exp: number;
}

/** A sign-in under way: the PKCE verifier and state, and where to return. */
export interface PendingSignIn {
  readonly verifier: string;
  readonly state: string;
  readonly returnTo: string;
}

/**
 * Seals what the pages keep in the browser (the session, a sign-in under way, a draft kept across
 * an expired session) as encrypted JWTs (dir, A256GCM): the browser holds them and can neither
 * read nor alter them, and any replica with the same secret opens them, so no session store.
 */
export class CookieSeal {
  private readonly key: Uint8Array;
  private readonly csrfKey: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`govmesh-web-cookie:${secret}`).digest();
    this.csrfKey = createHash('sha256').update(`govmesh-web-csrf:${secret}`).digest();
  }

  async seal(purpose: string, payload: Record<string, unknown>, expiresAt: number): Promise<string> {
    return await new EncryptJWT({ ...payload, purpose })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .encrypt(this.key);
  }

  /** The payload, or undefined when the cookie is missing, altered, expired or for another purpose. */
  async open<T>(purpose: string, sealed: string | undefined): Promise<T | undefined> {
    if (!sealed) return undefined;
    try {
      const { payload } = await jwtDecrypt(sealed, this.key);
      return payload.purpose === purpose ? (payload as T) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The anti-forgery token a signed-in person's forms carry. */
  csrfToken(session: Session): string {
    return createHmac('sha256', this.csrfKey).update(session.sid).digest('base64url');
  }

  csrfMatches(session: Session, presented: unknown): boolean {
    const expected = Buffer.from(this.csrfToken(session));
    const given = Buffer.from(typeof presented === 'string' ? presented : '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

export const newSessionId = (): string => randomBytes(16).toString('base64url');
