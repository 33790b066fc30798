import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';

import type { RouteSpec } from './route-spec.js';

/** The OpenAPI 3.1 document, generated from the same route specs and zod schemas the server uses. */
export function openApiDocument(routes: readonly RouteSpec[]): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  for (const r of routes) {
    registry.registerPath({
      method: r.method,
      path: r.path,
      summary: r.summary,
      description: r.roles === 'public' ? 'Public: no token needed.' : `Roles allowed: ${r.roles.join(', ')}.`,
      tags: [r.tag],
      ...(r.roles === 'public' ? {} : { security: [{ [bearer.name]: [] }] }),
      request: {
        ...(r.params ? { params: r.params as z.ZodObject } : {}),
        ...(r.query ? { query: r.query as z.ZodObject } : {}),
        ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
      },
      responses: Object.fromEntries(
        Object.entries({
          ...r.responses,
          ...(r.body || r.params || r.query
            ? { 400: { description: 'the request is invalid; `errors` names each field and rule' } }
            : {}),
          ...(r.roles === 'public'
            ? {}
            : { 401: { description: 'no valid bearer token' }, 403: { description: 'the role may not do this' } }),
          429: { description: 'too many requests from this caller' },
        }).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...('schema' in response && response.schema
              ? {
                  content: {
                    [Number(status) >= 400 ? 'application/problem+json' : 'application/json']: {
                      schema: response.schema,
                    },
                  },
                }
              : {}),
          },
        ]),
      ),
    });
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'govmesh API',
      version: '1.0.0',
      description:
        'Agencies publish services, citizens apply and track, officers decide, partners onboard, administrators audit. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: '/' }],
  }) as unknown as Record<string, unknown>;
}
