import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/** Who signs in at the test issuer, by login name: the claims govmesh reads from its access tokens. */
export type IssuerPeople = Record<
  string,
  { govmesh_role: string; officer_roles?: readonly string[]; govmesh_agency?: string }
>;

export interface RunningIssuer {
  /** The issuer identifier, e.g. http://127.0.0.1:41234 (its discovery document is under it). */
  readonly url: string;
  stop(): Promise<void>;
}

/** The resource the API is, at the issuer; its access tokens name the API's audience. */
const API_RESOURCE = 'urn:govmesh:api';

/**
 * A real OpenID Connect provider on loopback (panva's oidc-provider, a certified implementation)
 * with the web pages as a public client: the authorization-code flow with PKCE required, its own
 * login page (the library's development interactions: any login name, any password), and access
 * tokens that are JWTs for the API's audience carrying govmesh's claims. It stands for an agency's
 * identity provider (Keycloak, Entra ID, …) configured as the README says.
 */
export async function startOidcIssuer(options: {
  readonly redirectUri: string;
  readonly people: IssuerPeople;
  readonly audience?: string;
}): Promise<RunningIssuer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signing = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'test-issuer-1' };
  const configuration: Configuration = {
    clients: [
      {
        client_id: 'govmesh-web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [signing] },
    cookies: { keys: ['a test issuer signs its cookies with this'] },
    scopes: ['openid', 'govmesh'],
    // Short lives, said outright (the library otherwise warns that it chose them).
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 900, AuthorizationCode: 60, IdToken: 900 },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'govmesh',
          audience: options.audience ?? 'govmesh-api',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // govmesh's claims in the access token, as an agency maps them from its directory.
    extraTokenClaims: (_ctx, token) => {
      const accountId = (token as { accountId?: string }).accountId;
      const person = accountId ? options.people[accountId] : undefined;
      return person ? { ...person, officer_roles: [...(person.officer_roles ?? [])] } : undefined;
    },
  };
  const provider = new Provider(url, configuration);
  const handle = provider.callback();
  // Koa answers the response itself; the promise only settles when it has.
  server.on('request', (req, res) => void handle(req, res));
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
