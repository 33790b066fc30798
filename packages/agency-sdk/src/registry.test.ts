import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { RegistryLookupRequest } from '@govmesh/contracts/registry-exchange';
import { DevelopmentIssuer } from '@govmesh/tokens';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { askRegistry, requestHashOf, serveRegistry, type RegistryService } from './registry.js';

const PURPOSE = 'check the employer is registered and active';
const request = (overrides: Partial<RegistryLookupRequest> = {}): RegistryLookupRequest => ({
  requestId: 'case-1:employer:1',
  client: 'social-security',
  caseId: 'case-1',
  purpose: PURPOSE,
  fields: ['name', 'status'],
  key: 'ENT-1002',
  ...overrides,
});

describe('a registry as a service its agency runs', () => {
  let tokens: DevelopmentIssuer;
  let registry: RegistryService;
  const tokenOf = (agency: string) => tokens.mint({ role: 'agency-admin', subject: `${agency}-systems`, agency });

  beforeAll(async () => {
    tokens = await DevelopmentIssuer.ephemeral();
    registry = serveRegistry({
      agency: 'market-regulation',
      registry: 'enterprise-registry',
      policy: { 'social-security': { purposes: [PURPOSE], fields: ['name', 'status'] } },
      find: (key) =>
        Promise.resolve(
          key === 'ENT-1002' ? { name: 'Harbour Bakery', status: 'active', owner: 'A. Baker' } : undefined,
        ),
      tokens: tokens.verifier(),
      logger: pino({ level: 'silent' }),
    });
    await registry.start();
  });
  afterAll(() => registry.stop());

  it('answers the fields asked for, no others, bound to the request by its hash in both logs', async () => {
    const asked = request();
    const outcome = await askRegistry(registry.url, await tokenOf('social-security'), 'enterprise-registry', asked);
    expect(outcome).toEqual({
      outcome: 'answered',
      requestHash: requestHashOf(asked),
      found: true,
      record: { name: 'Harbour Bakery', status: 'active' },
    });
    expect(registry.exchanges.at(-1)).toMatchObject({
      requestHash: requestHashOf(asked),
      client: 'social-security',
      caseId: 'case-1',
      outcome: 'answered',
    });
  });

  it("refuses a purpose, a field or a client its policy does not allow, and logs each with the provider's reason", async () => {
    const token = await tokenOf('social-security');
    const ask = (r: RegistryLookupRequest, t = token) => askRegistry(registry.url, t, 'enterprise-registry', r);
    expect(await ask(request({ purpose: 'find out who owns the bakery, for marketing' }))).toMatchObject({
      outcome: 'refused',
      code: 'REGISTRY.PURPOSE_NOT_ALLOWED',
    });
    expect(await ask(request({ fields: ['name', 'owner'] }))).toMatchObject({
      outcome: 'refused',
      code: 'REGISTRY.FIELDS_NOT_ALLOWED',
      reason: 'social-security may not read owner of the enterprise-registry',
    });
    const tax = await tokenOf('tax-office');
    expect(await ask(request({ client: 'tax-office' }), tax)).toMatchObject({ code: 'REGISTRY.CLIENT_NOT_ALLOWED' });
    // A token of one agency cannot ask in another's name.
    expect(await ask(request(), tax)).toMatchObject({ code: 'REGISTRY.CLIENT_MISMATCH' });
    expect(registry.exchanges.filter((e) => e.outcome === 'refused').map((e) => e.code)).toEqual([
      'REGISTRY.PURPOSE_NOT_ALLOWED',
      'REGISTRY.FIELDS_NOT_ALLOWED',
      'REGISTRY.CLIENT_NOT_ALLOWED',
      'REGISTRY.CLIENT_MISMATCH',
    ]);
  });

  it('refuses a caller without a token, or with one of another issuer, before reading anything', async () => {
    const other = await (
      await DevelopmentIssuer.ephemeral()
    ).mint({ role: 'agency-admin', subject: 'x', agency: 'social-security' });
    expect(await askRegistry(registry.url, other, 'enterprise-registry', request())).toMatchObject({
      outcome: 'refused',
      code: 'AUTH.INVALID',
    });
    const bare = await fetch(`${registry.url}/v1/registries/enterprise-registry/lookups`, {
      method: 'POST',
      body: '{}',
    });
    expect(bare.status).toBe(401);
  });

  it('names every field of a malformed request', async () => {
    const response = await fetch(`${registry.url}/v1/registries/enterprise-registry/lookups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenOf('social-security')}` },
      body: JSON.stringify({ ...request(), purpose: 'why', fields: [] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(
      /purpose: a purpose is a sentence; fields: /,
    );
  });

  it('refuses, on the client side, an answer with fields not asked for or bound to another request', async () => {
    // A provider that breaks the exchange: it answers more than asked, then for another request.
    let mode: 'extra' | 'unbound' = 'extra';
    const rogue = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const answer =
        mode === 'extra'
          ? {
              requestHash: requestHashOf(request({ fields: ['name'] })),
              found: true,
              record: { name: 'Harbour Bakery', owner: 'A. Baker' },
            }
          : { requestHash: 'f'.repeat(64), found: true, record: { name: 'Harbour Bakery' } };
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => rogue.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`;
    try {
      expect(await askRegistry(url, 't', 'enterprise-registry', request({ fields: ['name'] }))).toMatchObject({
        outcome: 'refused',
        code: 'REGISTRY.UNASKED_FIELDS',
        reason: 'the enterprise-registry answered fields that were not asked for: owner',
      });
      mode = 'unbound';
      expect(await askRegistry(url, 't', 'enterprise-registry', request())).toMatchObject({
        code: 'REGISTRY.UNBOUND_ANSWER',
      });
    } finally {
      rogue.close();
    }
  });
});
