import * as oidc from 'openid-client';

/** Raised when the issuer the pages sign people in with cannot be used; names the variable to fix. */
export class SignInUnavailable extends Error {
  override readonly name = 'SignInUnavailable';
  readonly code = 'WEB.SIGN_IN_UNAVAILABLE';
  readonly retriable = true;
}

/** How the pages sign people in: the authorization-code flow with PKCE, at an issuer. */
export interface SignIn {
  /** Where to send the browser, for this verifier and state. */
  authorizationUrl(verifier: string, state: string): Promise<URL>;
  /** The access token for the callback the browser came back with. */
  complete(callback: URL, verifier: string, state: string): Promise<{ accessToken: string; expiresIn: number }>;
}

export interface SignInOptions {
  /** The issuer; unset, the API's development issuer (its discovery document is at `apiUrl`). */
  readonly issuer?: string | undefined;
  readonly apiUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope?: string | undefined;
}

/**
 * The issuer's configuration, through openid-client. A real issuer is discovered from its URL (over
 * HTTPS; plain HTTP only on loopback). The
 * development issuer names itself `urn:govmesh:development-issuer`, which discovery cannot match
 * against the API's address, so its endpoints are read from the API's discovery document instead;
 * it listens on loopback over plain HTTP, which openid-client allows only when told to.
 */
export async function openIdSignIn(o: SignInOptions): Promise<SignIn> {
  let config: oidc.Configuration;
  try {
    if (o.issuer) {
      const issuer = new URL(o.issuer);
      // Plain HTTP only to an issuer on this machine (a test's or a laptop's); anywhere else TLS.
      const loopback = issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
      config = await oidc.discovery(
        issuer,
        o.clientId,
        undefined,
        oidc.None(),
        loopback ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    } else {
      const url = `${o.apiUrl.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      const metadata = (await response.json()) as oidc.ServerMetadata;
      if (!metadata.authorization_endpoint || !metadata.token_endpoint)
        throw new Error(`${url} offers no sign-in (no authorization or token endpoint)`);
      config = new oidc.Configuration(metadata, o.clientId, undefined, oidc.None());
      oidc.allowInsecureRequests(config);
    }
  } catch (err) {
    throw new SignInUnavailable(
      `people cannot sign in: the issuer ${o.issuer ?? `(the development issuer at ${o.apiUrl})`} could not be read (${(err as Error).message}); check ${o.issuer ? 'GOVMESH_OIDC_ISSUER' : 'GOVMESH_API_URL'}`,
      { cause: err },
    );
  }
  return {
    async authorizationUrl(verifier, state) {
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: o.redirectUri,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        ...(o.scope ? { scope: o.scope } : {}),
      });
    },
    async complete(callback, verifier, state) {
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      return { accessToken: tokens.access_token, expiresIn: tokens.expiresIn() ?? 3600 };
    },
  };
}

export const randomVerifier = (): string => oidc.randomPKCECodeVerifier();
export const randomState = (): string => oidc.randomState();
