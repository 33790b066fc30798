import type { Server } from 'node:http';
import type { KeyObject } from 'node:crypto';

import { AUDIT_READ_MODEL } from '@govmesh/contracts/audit-record';
import { bearerMatches } from '@govmesh/messaging';
import { httpServerSpans } from '@govmesh/telemetry';
import express, { type ErrorRequestHandler, type Request } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { auditTimeline, citizenTimeline } from './case-timeline.js';
import type { LedgerStore } from './ledger-store.js';
import { verifyLedger } from './ledger-verification.js';
import { LedgerReadModel, ReadModelBusy } from './ledger-read-model.js';
import { sharedRuns } from './shared-runs.js';

export interface LedgerReadApiOptions {
  /** A read-only view of the ledger (its own connection, so reads never hold up appends). */
  readonly store: LedgerStore;
  /** Scorecards and public figures, following the ledger (made over `store` when not given). */
  readonly readModel?: LedgerReadModel;
  /** The bearer secret a caller must present (the API's); compared in constant time. */
  readonly secret: string;
  /** Checks each checkpoint's signature in `verify`. */
  readonly publicKey?: KeyObject;
  /** Served unauthenticated at `/metrics` (counts and codes only), like every service's. */
  readonly metrics?: Registry;
  readonly logger: Logger;
  /**
   * How long a request for scorecards or public figures waits for the model to read what is new
   * before it is refused with 503 and how far the read has come (the whole ledger at the start).
   */
  readonly answerWithinMs?: number;
}

class ReadModelProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

function instant(req: Request, name: 'from' | 'to'): Date | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  const at = typeof raw === 'string' ? new Date(raw) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw new ReadModelProblem(400, 'REQUEST.INVALID', 'must be an RFC 3339 date-time', `query.${name}`);
  return at;
}

/**
 * The audit ledger's read model, served by the service that owns the ledger: case timelines,
 * scorecards, the chain's verdict and the public figures. Nothing else opens the ledger's store.
 * Every route but `health` asks for the shared bearer secret.
 */
export function ledgerReadApp({
  store,
  readModel = new LedgerReadModel(store),
  secret,
  publicKey,
  logger,
  metrics,
  answerWithinMs = 5_000,
}: LedgerReadApiOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // The API's read continues its request's trace (the traceparent header).
  app.use(httpServerSpans());
  app.get(AUDIT_READ_MODEL.health, (_req, res) => {
    res.json({ ok: true });
  });
  if (metrics)
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.contentType).send(await metrics.metrics());
    });
  app.use((req, _res, next) => {
    next(
      bearerMatches(req.headers.authorization, secret)
        ? undefined
        : new ReadModelProblem(401, 'AUTH.UNAUTHENTICATED', 'the audit read model needs its bearer secret'),
    );
  });
  app.get(AUDIT_READ_MODEL.auditTimeline, async (req, res) => {
    res.json(auditTimeline(await store.caseRecords(String(req.params.caseId))));
  });
  app.get(AUDIT_READ_MODEL.citizenTimeline, async (req, res) => {
    res.json(citizenTimeline(await store.caseRecords(String(req.params.caseId))));
  });
  app.get(AUDIT_READ_MODEL.scorecards, async (req, res) => {
    const from = instant(req, 'from');
    const to = instant(req, 'to');
    res.json(await readModel.scorecards({ ...(from ? { from } : {}), ...(to ? { to } : {}) }, { answerWithinMs }));
  });
  // A verification reads and hashes the whole ledger: auditors asking at once share one.
  const verify = sharedRuns(async () =>
    verifyLedger(store.records(), await store.checkpoints(), publicKey ? { publicKey } : {}),
  );
  app.get(AUDIT_READ_MODEL.verify, async (_req, res) => {
    res.json(await verify());
  });
  app.get(AUDIT_READ_MODEL.transparency, async (_req, res) => {
    res.json(await readModel.transparency({ answerWithinMs }));
  });
  app.use((req, _res, next) => {
    next(new ReadModelProblem(404, 'NOT_FOUND', `no route ${req.method} ${req.path}`));
  });
  const problems: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const problem =
      err instanceof ReadModelProblem
        ? err
        : err instanceof ReadModelBusy
          ? new ReadModelProblem(503, err.code, err.message, undefined, Math.min(60, Math.max(1, err.secondsLeft ?? 5)))
          : new ReadModelProblem(500, 'INTERNAL', 'the ledger could not be read; it has been logged');
    if (!(err instanceof ReadModelProblem) && !(err instanceof ReadModelBusy))
      logger.error({ err, url: req.path }, 'ledger read failed');
    if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="govmesh-audit"');
    if (problem.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(problem.retryAfterSeconds));
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({
        title: problem.message,
        status: problem.status,
        code: problem.code,
        detail: problem.message,
        instance: req.path,
        ...(problem.path ? { errors: [{ path: problem.path, message: problem.message }] } : {}),
      });
  };
  app.use(problems);
  return app;
}

/** Listens on `url`'s host and port; resolved once it does, refused when the port is taken. */
export async function serveLedgerReadApi(options: LedgerReadApiOptions, url: string): Promise<Server> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '');
  const app = ledgerReadApp(options);
  return await new Promise<Server>((resolve, reject) => {
    const server = app.listen(Number(port || 80), host, (err?: Error) =>
      err
        ? reject(
            new Error(`the audit read model cannot listen on ${host}:${port} (${err.message}); set GOVMESH_AUDIT_URL`),
          )
        : resolve(server),
    );
  });
}
