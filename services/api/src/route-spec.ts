import type { PersonalDataRedaction } from '@govmesh/messaging';
import type { PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import type { z } from 'zod';

import type { Caller, Role } from '@govmesh/tokens';
import type { DevelopmentIssuer, TokenVerifier } from '@govmesh/tokens';
import type { ApiMetrics } from './metrics.js';
import type { PlatformStore } from './platform-store.js';
import type { AuditReader, CaseEngine, EventRecorder, PartnerRegistry, Readiness } from './ports.js';

export interface ApiDeps {
  readonly store: PlatformStore;
  readonly cases: CaseEngine;
  readonly partners: PartnerRegistry;
  readonly audit: AuditReader;
  readonly events: EventRecorder;
  readonly readiness: Readiness;
  readonly tokens: TokenVerifier;
  /** When the API runs govmesh's development issuer, it serves the issuer's discovery document and keys. */
  readonly developmentIssuer?: DevelopmentIssuer;
  readonly logger: Logger;
  readonly metrics?: ApiMetrics;
  /** Requests per caller per minute (600). */
  readonly rateLimitPerMinute?: number;
  /** The public figures withhold counts from 1 to this minus one (GOVMESH_TRANSPARENCY_SMALL_COUNT). */
  readonly smallCountThreshold?: number;
  /** Browser origins allowed to call the codec endpoint (the Temporal UI's); none by default. */
  readonly codecCorsOrigins?: readonly string[];
  /** Opens sealed case data for the codec endpoint (the same keys as the API's Temporal client). */
  readonly caseData?: PayloadCodec;
  /** Days Temporal keeps a closed case's history (the namespace retention), when the API could read it. */
  readonly caseHistoryRetentionDays?: number;
  /** This process's log redaction: taught each published contract's classified fields. */
  readonly personalData?: PersonalDataRedaction;
  readonly now?: () => Date;
  readonly newCaseId?: () => string;
}

export interface RouteInput<P, Q, B> {
  readonly caller: Caller | undefined;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly header: (name: string) => string | undefined;
}

export interface RouteOutput {
  readonly status: number;
  readonly body: unknown;
  /** Response headers beside the body (a page's `Link`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One route: how it is reached, who may call it, what it takes and gives. The server and the
 * OpenAPI document are both built from these, so the documentation cannot drift from the code.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  readonly method: 'get' | 'post' | 'put' | 'patch';
  /** The operation's name in the OpenAPI document, for generated clients: camelCase, unique. */
  readonly operationId: string;
  /** OpenAPI style: `/v1/cases/{id}`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: 'Agencies' | 'Citizens' | 'Officers' | 'Partners' | 'Audit' | 'Public';
  readonly roles: readonly Role[] | 'public';
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  /**
   * What the document shows for a body the route takes loosely on purpose, because a domain
   * validator reads it and names every problem at once (a service definition): its JSON Schema.
   */
  readonly bodyDocument?: Readonly<Record<string, unknown>>;
  readonly responses: Readonly<
    Record<
      number,
      {
        readonly description: string;
        readonly schema?: z.ZodType;
        /** Headers the response carries, for the document (OpenAPI header objects). */
        readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: object }>>;
      }
    >
  >;
  handle(input: RouteInput<P, Q, B>, deps: ApiDeps): Promise<RouteOutput>;
}

/** Keeps each route's own parameter types while collecting them in one list. */
export function route<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec;
}

/** The API's date (YYYY-MM-DD, UTC) for deprecation windows: the one place a route reads it. */
export function today(deps: Pick<ApiDeps, 'now'>): string {
  return (deps.now?.() ?? new Date()).toISOString().slice(0, 10);
}
