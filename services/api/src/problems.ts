import { CaseFailure, CaseRefused, InvalidPageToken } from '@govmesh/case-client';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { KafkaUnreachable } from '@govmesh/messaging';
import { Unauthenticated } from '@govmesh/tokens';

import { AuditUnavailable } from './adapters/http-audit-reader.js';
import { RevisionTaken } from './platform-store.js';

export interface ProblemIssue {
  readonly path: string;
  readonly message: string;
  /** For a value the schema refuses: the JSON Schema keyword, and its parameters. */
  readonly rule?: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** An RFC 9457 problem: every refusal of the API is one of these, turned into JSON in one place. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extras: {
      readonly code?: string;
      readonly errors?: readonly ProblemIssue[];
      /** Sent as Retry-After: when the thing refused may be asked for again. */
      readonly retryAfterSeconds?: number;
    } = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }
}

/** A 400 that names every zod issue by its path in the request (`body.application.applicant.name`). */
export function invalidRequest(
  where: 'body' | 'query' | 'params' | 'header',
  error: z.ZodError,
  prefix: readonly string[] = [],
): ApiProblem {
  const errors = error.issues.map((i) => ({
    path: [where, ...prefix, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  return new ApiProblem(400, 'Invalid request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
    code: 'REQUEST.INVALID',
    errors,
  });
}

export const forbidden = (detail: string) => new ApiProblem(403, 'Forbidden', detail, { code: 'AUTH.FORBIDDEN' });

/**
 * The agency an administrator's token acts for; 403 when it names none. An administrator acts for
 * one agency: it publishes and changes that agency's services, contracts and partners, no other's.
 */
export function actingAgency(caller: { readonly agency?: string | undefined } | undefined, acting: string): string {
  if (!caller?.agency)
    throw forbidden(
      `your token names no agency (claim govmesh_agency); an administrator ${acting} only for its agency`,
    );
  return caller.agency;
}
/**
 * 403 naming the owner: the agency in the caller's token is not the one that owns the service.
 * `field` names the request's field that says otherwise (a definition's `body.ownerAgency`).
 */
export function notYourService(id: string, owner: string, agency: string, field?: string): ApiProblem {
  return new ApiProblem(403, "Another agency's service", `${id} is owned by ${owner}; your token acts for ${agency}`, {
    code: 'AUTH.NOT_OWNER',
    ...(field ? { errors: [{ path: field, message: `must be ${agency}, the agency your token acts for` }] } : {}),
  });
}

export const notFound = (detail: string) => new ApiProblem(404, 'Not found', detail, { code: 'NOT_FOUND' });

/** Retry-After of a 503 whose request may simply be sent again (a busy case, a broker not answering). */
const SEND_AGAIN_AFTER_SECONDS = 5;

const REFUSAL_STATUS: Record<string, number> = {
  'CASE.INPUT_INVALID': 422,
  'CASE.INPUT_INCOMPLETE': 422,
  'CASE.DECISION_NOT_ALLOWED': 422,
  // An officer's in-house work whose output the task type's contract refuses.
  'CONTRACT.INVALID_OUTPUT': 422,
  'CASE.WRONG_ROLE': 403,
};

/**
 * A case's refusal keeps its own code and message; most mean "not now" (409). A case that did not
 * answer in time, or stayed busy, is 503 with Retry-After: the request may be sent again.
 */
function caseRefusalProblem(err: CaseFailure): ApiProblem {
  const status = REFUSAL_STATUS[err.code] ?? (err.retriable ? 503 : 409);
  // Each reason is "<path>: <rule>", the path inside the request's values or output.
  const under = (
    { 'CASE.INPUT_INVALID': 'body.values.', 'CONTRACT.INVALID_OUTPUT': 'body.' } as Record<string, string>
  )[err.code];
  const errors =
    err instanceof CaseRefused && under
      ? err.reasons.map((m) => ({
          path: `${under}${m.slice(0, m.indexOf(':'))}`,
          message: m.slice(m.indexOf(':') + 2),
        }))
      : undefined;
  return new ApiProblem(
    status,
    status === 409 ? 'The case is not waiting for this' : 'The case refused this',
    err.message,
    // A busy or unreachable case: the same request may be sent again in a moment.
    {
      code: err.code,
      ...(errors ? { errors } : {}),
      ...(status === 503 ? { retryAfterSeconds: SEND_AGAIN_AFTER_SECONDS } : {}),
    },
  );
}

/** The one place where errors become HTTP responses. */
export function problemHandler(
  logger: Logger,
  /** Told each problem answered, by code and status (the API's metrics count them). */
  onProblem: (code: string, status: number) => void = () => {},
): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let problem: ApiProblem;
    const e = err as { type?: string; status?: number; message?: string };
    if (err instanceof ApiProblem) problem = err;
    else if (err instanceof CaseFailure) problem = caseRefusalProblem(err);
    else if (err instanceof AuditUnavailable)
      problem = new ApiProblem(503, 'The audit ledger is not available', err.message, {
        code: err.code,
        ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
      });
    else if (err instanceof RevisionTaken)
      problem = new ApiProblem(409, 'Published concurrently', `${err.message}; read it and publish again`, {
        code: err.code,
      });
    else if (err instanceof KafkaUnreachable)
      // Onboarding and credential changes ask the broker first and store nothing until it answers,
      // so the same request can simply be sent again.
      problem = new ApiProblem(503, 'The message broker is not available', err.message, {
        code: err.code,
        retryAfterSeconds: SEND_AGAIN_AFTER_SECONDS,
      });
    else if (err instanceof InvalidPageToken)
      problem = new ApiProblem(400, 'Invalid request', err.message, {
        code: err.code,
        errors: [{ path: 'query.pageToken', message: err.message }],
      });
    else if (err instanceof Unauthenticated)
      problem = new ApiProblem(401, 'Unauthenticated', err.message, { code: 'AUTH.UNAUTHENTICATED' });
    else if (e.type === 'entity.too.large')
      problem = new ApiProblem(413, 'Request too large', 'the request body is larger than the limit (256 kB)', {
        code: 'REQUEST.TOO_LARGE',
      });
    else if (e.type === 'entity.parse.failed')
      problem = new ApiProblem(400, 'Invalid request', `the body is not valid JSON: ${e.message ?? ''}`, {
        code: 'REQUEST.INVALID_JSON',
      });
    else {
      logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
      problem = new ApiProblem(500, 'Internal error', 'the request could not be completed; it has been logged', {
        code: 'INTERNAL',
      });
    }
    if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="govmesh"');
    if (problem.extras.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(problem.extras.retryAfterSeconds));
    onProblem(problem.extras.code ?? 'error', problem.status);
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({
        type: `https://govmesh.dev/problems/${(problem.extras.code ?? 'error').toLowerCase().replace(/[._]/g, '-')}`,
        title: problem.title,
        status: problem.status,
        detail: problem.detail,
        instance: req.originalUrl,
        ...(problem.extras.code ? { code: problem.extras.code } : {}),
        ...(problem.extras.errors ? { errors: problem.extras.errors } : {}),
      });
  };
}
