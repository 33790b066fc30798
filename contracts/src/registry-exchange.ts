import { z } from 'zod';

import { Agency } from './service-definition.js';

/**
 * A look-up in another agency's registry, as X-Road has agencies exchange data: the client agency
 * asks the provider's registry service, authenticated as itself, for named fields of one record,
 * for a stated purpose, in one case. The provider decides from its own policy and keeps its own
 * log; both sides record the SHA-256 of the request's canonical JSON (RFC 8785), which binds the
 * answer to exactly what was asked.
 */
export const RegistryLookupRequest = z
  .object({
    /** Unique per exchange: the case, the step and the attempt. */
    requestId: z.string().min(1).max(300),
    /** The agency asking; its token must be that agency's. */
    client: Agency,
    caseId: z.string().min(1).max(200),
    /** Why, in the words of the service definition the case runs. */
    purpose: z.string().min(10, 'a purpose is a sentence').max(500),
    /** The record's fields wanted, and no more. */
    fields: z
      .array(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'a field is a camelCase name'))
      .min(1)
      .max(50),
    /** What identifies the record (a registration number, say). */
    key: z.union([z.string().min(1).max(200), z.number()]),
  })
  .strict();
export type RegistryLookupRequest = z.infer<typeof RegistryLookupRequest>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest in lowercase hex');

/** The provider's answer: only fields asked for, bound to the request by its hash. */
export const RegistryLookupAnswer = z
  .object({
    requestHash: Sha256,
    found: z.boolean(),
    record: z.record(z.string(), z.unknown()),
  })
  .strict();
export type RegistryLookupAnswer = z.infer<typeof RegistryLookupAnswer>;

/** Why a provider refused a look-up (its RFC 9457 problem's `code`). */
export const REGISTRY_REFUSALS = [
  'REGISTRY.CLIENT_MISMATCH',
  'REGISTRY.CLIENT_NOT_ALLOWED',
  'REGISTRY.PURPOSE_NOT_ALLOWED',
  'REGISTRY.FIELDS_NOT_ALLOWED',
] as const;

/**
 * What a case makes of a look-up: answered, or refused with the provider's reason (or the
 * client's own, when the answer broke the exchange: fields not asked for, another request's hash).
 */
export type RegistryLookupOutcome =
  | {
      readonly outcome: 'answered';
      readonly requestHash: string;
      readonly found: boolean;
      readonly record: Record<string, unknown>;
    }
  | { readonly outcome: 'refused'; readonly requestHash: string; readonly code: string; readonly reason: string };

/** One line of either side's log of an exchange. */
export const RegistryExchangeLogEntry = z.object({
  time: z.string(),
  requestHash: Sha256,
  requestId: z.string(),
  client: z.string(),
  provider: z.string(),
  registry: z.string(),
  caseId: z.string(),
  purpose: z.string(),
  fields: z.array(z.string()),
  outcome: z.enum(['answered', 'refused']),
  code: z.string().optional(),
  reason: z.string().optional(),
});
export type RegistryExchangeLogEntry = z.infer<typeof RegistryExchangeLogEntry>;
