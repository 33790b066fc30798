import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DevelopmentIssuer, IssuerUnavailable, discoverIssuer } from './identity.js';

/**
 * An OpenID Connect issuer on loopback (discovery document and JWKS over real HTTP), standing for
 * an agency's identity provider: the API must take its tokens and no one else's.
 */
describe('tokens from an OpenID Connect issuer', () => {
  let server: Server;
  let issuer: string;
  let sign: (claims: Record<string, unknown>, iss?: string) => Promise<string>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/realms/gov/.well-known/openid-configuration')
        res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/certs` }));
      else if (req.url === '/realms/gov/certs') res.end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/gov`;
    sign = (claims, iss = issuer) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
        .setSubject('ada')
        .setIssuer(iss)
        .setAudience('govmesh-api')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("accepts the issuer's tokens with govmesh's claims, read from its discovery document and JWKS", async () => {
    const verifier = await discoverIssuer(issuer, 'govmesh-api');
    const token = await sign({ govmesh_role: 'agency-admin', govmesh_agency: 'market-regulation' });
    await expect(verifier.verify(token)).resolves.toEqual({
      role: 'agency-admin',
      subject: 'ada',
      officerRoles: [],
      agency: 'market-regulation',
    });
  });

  it('refuses a development token, a token for another audience, and one without a govmesh role', async () => {
    const verifier = await discoverIssuer(issuer, 'govmesh-api');
    const development = await (await DevelopmentIssuer.ephemeral()).mint({ role: 'auditor', subject: 'x' });
    await expect(verifier.verify(development)).rejects.toThrow('the bearer token is not valid for this API');
    await expect(verifier.verify(await sign({ govmesh_role: 'auditor' }, 'https://elsewhere.example'))).rejects.toThrow(
      `the token was not issued by ${issuer}`,
    );
    await expect(verifier.verify(await sign({}))).rejects.toThrow("the token lacks govmesh's claims: govmesh_role");
    const other = await discoverIssuer(issuer, 'another-api');
    await expect(other.verify(await sign({ govmesh_role: 'auditor' }))).rejects.toThrow(
      'the bearer token is not valid for this API',
    );
  });

  it('says which variable to fix when the issuer cannot be reached or is not an issuer', async () => {
    const closed = `http://127.0.0.1:1/realms/none`;
    await expect(discoverIssuer(closed, 'govmesh-api')).rejects.toThrow(IssuerUnavailable);
    await expect(discoverIssuer(closed, 'govmesh-api')).rejects.toThrow(/check GOVMESH_OIDC_ISSUER$/);
    await expect(discoverIssuer(`${issuer}/nothing-here`, 'govmesh-api')).rejects.toThrow(
      /answered 404; check GOVMESH_OIDC_ISSUER/,
    );
  });
});
