import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';

import type { RouteSpec } from './route-spec.js';

const TAGS: Record<RouteSpec['tag'], string> = {
  Agencies: 'Agencies publish and version the services they offer.',
  Citizens: 'Citizens apply, follow their cases, answer requests for input and rate the service.',
  Officers: "Officers work their agency's tasks: decide, review, take work back from a partner.",
  Partners: 'Agency administrators onboard contracted partners and manage their standing.',
  Audit: 'Auditors read the ledger, verify it, and see how services and partners perform.',
  Public: 'Open to anyone, without a token.',
};

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Registers a JSON Schema (from zod's toJSONSchema) as a component: its `$defs` become components
 * of their own, with references rewritten, so the document stays valid OpenAPI 3.1.
 */
function registerJsonSchema(
  registry: OpenAPIRegistry,
  name: string,
  schema: Readonly<Record<string, unknown>>,
): { $ref: string } {
  const { $schema: _dialect, $defs = {}, ...root } = schema as { $schema?: string; $defs?: Record<string, unknown> };
  const rename = (def: string) => `${name}${upperFirst(def.replace(/^_+/, '').replace(/[^A-Za-z0-9]/g, ''))}`;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) =>
        k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
          ? [k, `#/components/schemas/${rename(v.slice('#/$defs/'.length))}`]
          : [k, rewrite(v)],
      ),
    );
  };
  for (const [def, body] of Object.entries($defs))
    registry.registerComponent('schemas', rename(def), rewrite(body) as Record<string, unknown>);
  registry.registerComponent('schemas', name, rewrite(root) as Record<string, unknown>);
  return { $ref: `#/components/schemas/${name}` };
}

/** The OpenAPI 3.1 document, generated from the same route specs and zod schemas the server uses. */
export function openApiDocument(routes: readonly RouteSpec[]): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  const documented = new Map<Readonly<Record<string, unknown>>, { $ref: string }>();
  const refTo = (doc: Readonly<Record<string, unknown>>, name: string) => {
    if (!documented.has(doc)) documented.set(doc, registerJsonSchema(registry, name, doc));
    return documented.get(doc)!;
  };
  for (const r of routes) {
    const bodySchema = r.bodyDocument ? refTo(r.bodyDocument, `${upperFirst(r.operationId)}Body`) : r.body;
    registry.registerPath({
      method: r.method,
      path: r.path,
      operationId: r.operationId,
      summary: r.summary,
      description: r.roles === 'public' ? 'Public: no token needed.' : `Roles allowed: ${r.roles.join(', ')}.`,
      tags: [r.tag],
      ...(r.roles === 'public' ? {} : { security: [{ [bearer.name]: [] }] }),
      request: {
        ...(r.params ? { params: r.params as z.ZodObject } : {}),
        ...(r.query ? { query: r.query as z.ZodObject } : {}),
        ...(bodySchema ? { body: { required: true, content: { 'application/json': { schema: bodySchema } } } } : {}),
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
            ...('headers' in response && response.headers
              ? { headers: response.headers as ResponseConfig['headers'] }
              : {}),
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
      contact: {
        name: 'govmesh maintainers',
        url: 'https://govmesh.example/support',
        email: 'support@govmesh.example',
      },
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [{ url: '/' }],
    tags: Object.entries(TAGS)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, description]) => ({ name, description })),
  }) as unknown as Record<string, unknown>;
}
