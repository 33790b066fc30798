import express, { type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import cors from 'cors';
import { pinoHttp } from 'pino-http';
import { httpServerSpans } from '@govmesh/telemetry';
import swaggerUi from 'swagger-ui-express';

import type { Caller } from '@govmesh/tokens';
import { DEVELOPMENT_ISSUER } from '@govmesh/tokens';
import { agencyRoutes } from './agency-routes.js';
import { auditRoutes } from './audit-routes.js';
import { caseRoutes } from './case-routes.js';
import { codecRoutes } from './codec-routes.js';
import { erasureRoutes } from './erasure-routes.js';
import { contractRoutes } from './contract-routes.js';
import { developmentLogin, developmentLoginMetadata } from './development-login.js';
import { officerRoutes } from './officer-routes.js';
import { openApiDocument } from './openapi.js';
import { partnerRoutes } from './partner-routes.js';
import { ApiProblem, forbidden, invalidRequest, problemHandler } from './problems.js';
import type { ApiDeps, RouteSpec } from './route-spec.js';
import { serviceRoutes } from './service-routes.js';

/** Every route of the API, in the order the documentation lists them. */
export const ROUTES: readonly RouteSpec[] = [
  ...serviceRoutes,
  ...agencyRoutes,
  ...contractRoutes,
  ...caseRoutes,
  ...officerRoutes,
  ...partnerRoutes,
  ...auditRoutes,
  ...codecRoutes,
  ...erasureRoutes,
];

type Authenticated = Request & { caller?: Caller };

/** The API as an express app; `main.ts` is the only place that listens. */
export function createServer(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // First, so that the request's span is active for everything after it (its log lines carry it).
  app.use(httpServerSpans());
  app.use(
    pinoHttp({
      logger: deps.logger.child({ component: 'http' }),
      // Tokens and bodies may carry personal data: neither is logged.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.body', 'res.headers["set-cookie"]'],
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    }),
  );
  // The Temporal UI calls the codec endpoint from the browser: its origin may, no other (preflight
  // included, before any token check; the route itself still wants an auditor's or officer's token).
  app.use(
    '/v1/codec',
    cors({
      origin: [...(deps.codecCorsOrigins ?? [])],
      methods: ['POST'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
      maxAge: 600,
    }),
  );
  app.use(express.json({ limit: '256kb' }));

  const document = openApiDocument(ROUTES);
  app.get('/openapi.json', (_req, res) => void res.json(document));
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'govmesh API' }));
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  const issuer = deps.developmentIssuer;
  if (issuer) {
    // The development issuer's public face, as an OpenID Connect issuer would show it.
    app.get('/.well-known/openid-configuration', (req, res) => {
      const base = `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
      res.json({
        issuer: DEVELOPMENT_ISSUER,
        jwks_uri: `${base}/jwks.json`,
        id_token_signing_alg_values_supported: ['ES256'],
        ...developmentLoginMetadata(base),
        'x-govmesh': 'development issuer: tokens from `govmesh token mint`; never for production',
      });
    });
    app.get('/jwks.json', (_req, res) => void res.json(issuer.jwks()));
    app.use(developmentLogin(issuer));
  }
  app.get('/readyz', (_req, res, next) => {
    deps.readiness.check().then((checks) => {
      const ok = Object.values(checks).every((c) => c.ok);
      res.status(ok ? 200 : 503).json({ ok, checks });
    }, next);
  });
  if (deps.metrics) {
    const { registry } = deps.metrics;
    app.get('/metrics', (_req, res, next) => {
      registry.metrics().then((text) => res.type(registry.contentType).send(text), next);
    });
  }

  // Who is calling, if anyone: a bad token is refused even on a public route.
  app.use((req: Authenticated, _res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    if (!header) return next();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      return next(
        new ApiProblem(401, 'Unauthenticated', 'the Authorization header must be "Bearer <token>"', {
          code: 'AUTH.UNAUTHENTICATED',
        }),
      );
    deps.tokens.verify(match[1]!).then((caller) => {
      req.caller = caller;
      next();
    }, next);
  });
  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.rateLimitPerMinute ?? 600,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req: Authenticated) =>
        req.caller ? `${req.caller.role}:${req.caller.subject}` : `ip:${ipKeyGenerator(req.ip ?? '0.0.0.0')}`,
      handler: (_req, _res, next) =>
        next(
          new ApiProblem(429, 'Too many requests', 'slow down: this caller made too many requests in the last minute', {
            code: 'REQUEST.RATE_LIMITED',
          }),
        ),
    }),
  );

  for (const spec of ROUTES) {
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    app[spec.method](expressPath, (req: Authenticated, res: Response, next: NextFunction) => {
      const started = process.hrtime.bigint();
      const run = async () => {
        if (spec.roles !== 'public') {
          if (!req.caller)
            throw new ApiProblem(401, 'Unauthenticated', 'this route needs a bearer token', {
              code: 'AUTH.UNAUTHENTICATED',
            });
          if (!spec.roles.includes(req.caller.role))
            throw forbidden(
              `a ${req.caller.role} may not ${spec.method.toUpperCase()} ${spec.path}; allowed: ${spec.roles.join(', ')}`,
            );
        }
        const parse = <T>(
          where: 'params' | 'query' | 'body',
          schema: RouteSpec['params'],
          value: unknown,
        ): T | undefined => {
          if (!schema) return undefined;
          const parsed = schema.safeParse(value);
          if (!parsed.success) throw invalidRequest(where, parsed.error);
          return parsed.data as T;
        };
        const out = await spec.handle(
          {
            caller: req.caller,
            params: parse('params', spec.params, req.params),
            query: parse('query', spec.query, req.query),
            body: parse('body', spec.body, req.body ?? {}),
            header: (name) => req.header(name),
          },
          deps,
        );
        if (out.headers) res.set(out.headers);
        res.status(out.status).json(out.body);
      };
      run().then(
        () => {
          deps.metrics?.requests.inc({ method: spec.method, route: spec.path, status: String(res.statusCode) });
          deps.metrics?.duration.observe(
            { method: spec.method, route: spec.path },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        },
        (err: unknown) => {
          deps.metrics?.requests.inc({
            method: spec.method,
            route: spec.path,
            status: String(err instanceof ApiProblem ? err.status : 500),
          });
          next(err);
        },
      );
    });
  }
  // A known path with a method it does not take: 405 with the methods it does take (RFC 9110).
  const allowed = new Map<string, string[]>();
  for (const spec of ROUTES) {
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    allowed.set(expressPath, [...(allowed.get(expressPath) ?? []), spec.method.toUpperCase()]);
  }
  for (const [expressPath, methods] of allowed) {
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
    app.all(expressPath, (req, res, next) => {
      res.setHeader('Allow', allow);
      next(
        new ApiProblem(405, 'Method not allowed', `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, {
          code: 'REQUEST.METHOD_NOT_ALLOWED',
        }),
      );
    });
  }
  app.use((req, _res, next) =>
    next(
      new ApiProblem(404, 'Not found', `no route ${req.method} ${req.path}; see /openapi.json`, { code: 'NOT_FOUND' }),
    ),
  );
  app.use(problemHandler(deps.logger, (code, status) => deps.metrics?.problems.inc({ code, status: String(status) })));
  return app;
}
