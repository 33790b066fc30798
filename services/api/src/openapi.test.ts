import { Spectral, Document } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { describe, expect, it } from 'vitest';

import { openApiDocument } from './openapi.js';
import { ROUTES } from './server.js';

/**
 * The OpenAPI document is what generated clients are built from: Spectral's `oas` ruleset must
 * find nothing in it (operation ids, declared tags, contact, valid schemas and examples).
 */
describe('the OpenAPI document', () => {
  const document = openApiDocument(ROUTES);

  it("passes Spectral's oas ruleset with no warning", async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'all']] });
    const results = await spectral.run(new Document(JSON.stringify(document), Json));
    expect(results.map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`)).toEqual([]);
  }, 30_000);

  it('names every operation, once', () => {
    const ids = Object.values(document.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(
      (ops) => Object.values(ops).map((op) => op.operationId),
    );
    expect(ids).not.toContain(undefined);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('says where a request may be answered 503 because a case or the broker could not take it now', () => {
    const statuses = new Map(
      Object.values(document.paths as Record<string, Record<string, { operationId: string; responses: object }>>)
        .flatMap((ops) => Object.values(ops))
        .map((op) => [op.operationId, Object.keys(op.responses)]),
    );
    // Each sends a message to a case (CASE.BUSY, CASE.UNREACHABLE) or changes a Kafka user (KAFKA_UNREACHABLE).
    for (const id of [
      'provideCitizenInput',
      'withdrawApplication',
      'claimTask',
      'releaseTask',
      'decideTask',
      'revokePartnerTask',
      'onboardPartner',
      'rotatePartnerCredentials',
      'changePartnerStatus',
    ])
      expect({ id, statuses: statuses.get(id) }).toEqual({ id, statuses: expect.arrayContaining(['503']) as unknown });
  });

  it('types the bodies a domain validator reads: a service definition and a partner profile', () => {
    const body = (path: string, method: string) =>
      (
        document.paths as Record<
          string,
          Record<string, { requestBody: { content: Record<string, { schema: unknown }> } }>
        >
      )[path]![method]!.requestBody.content['application/json']!.schema;
    expect(body('/v1/services/{id}', 'put')).toEqual({ $ref: '#/components/schemas/PublishServiceBody' });
    const schemas = (document.components as { schemas: Record<string, { required?: string[] }> }).schemas;
    expect(schemas.PublishServiceBody!.required).toEqual(expect.arrayContaining(['id', 'version', 'steps']));
    expect(schemas.OnboardPartnerBody!.required).toEqual(expect.arrayContaining(['id', 'capabilities', 'terms']));
  });
});
