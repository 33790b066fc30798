import type { Payload } from '@temporalio/common';
import { z } from 'zod';

import { Problem } from './api-schemas.js';
import { ApiProblem } from './problems.js';
import { route, type RouteSpec } from './route-spec.js';

/**
 * The codec endpoint: Temporal's CLI and UI send it the sealed payloads of a case's history and it
 * answers them opened, for the people allowed to read case data (auditors, officers) and nobody
 * else. `temporal workflow show -w <case> --codec-endpoint <api>/v1/codec --codec-auth "Bearer <token>"`.
 */

/** A payload as Temporal's codec protocol carries it: metadata values and data in base64. */
const JsonPayload = z.object({
  metadata: z.record(z.string(), z.base64('metadata values are base64')).nullish(),
  data: z.base64('data is base64').nullish(),
});
type JsonPayload = z.infer<typeof JsonPayload>;
const Payloads = z.object({ payloads: z.array(JsonPayload).max(1_000) });

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  ...(data ? { data: Buffer.from(data, 'base64') } : {}),
});
const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  ...(data ? { data: Buffer.from(data).toString('base64') } : {}),
});

export const codecRoutes: RouteSpec[] = [
  route({
    method: 'post',
    operationId: 'decodeCaseData',
    path: '/v1/codec/decode',
    tag: 'Audit',
    roles: ['auditor', 'officer'],
    summary: "Open a case's sealed Temporal payloads (the Temporal CLI's and UI's codec protocol); every use is logged",
    body: Payloads,
    responses: {
      200: { description: 'the payloads, opened', schema: Payloads },
      422: { description: 'a payload this deployment cannot open (unknown key, altered)', schema: Problem },
      503: { description: 'this API holds no case data keys', schema: Problem },
    },
    async handle({ body, caller, header }, deps) {
      if (!deps.caseData)
        throw new ApiProblem(503, 'No case data keys', 'this API runs without the case data keys', {
          code: 'CASE_DATA.NO_KEYS',
        });
      let opened: Payload[];
      try {
        opened = await deps.caseData.decode(body.payloads.map(fromJson));
      } catch (err) {
        throw new ApiProblem(422, 'Cannot open the payloads', (err as Error).message, {
          code: (err as { code?: string }).code ?? 'CASE_DATA.UNREADABLE',
        });
      }
      // Who read case data, and how much: never what.
      deps.logger.info(
        { subject: caller!.subject, role: caller!.role, payloads: opened.length, namespace: header('x-namespace') },
        'case data decoded',
      );
      return { status: 200, body: { payloads: opened.map(toJson) } };
    },
  }),
];
