import {
  DEFAULT_PORTS,
  DataDirEnv,
  loadProcessConfig,
  readOrCreateServiceSecret,
  serviceSecretFile,
} from '@govmesh/messaging';
import { TracingEnvShape } from '@govmesh/telemetry';
import { z } from 'zod';

const TimeZone = z.string().refine((zone) => {
  try {
    return Boolean(new Intl.DateTimeFormat('en', { timeZone: zone }));
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Berlin');

const WebEnv = z.object({
  // Where spans go: OpenTelemetry's standard variables, as every govmesh process reads them.
  ...TracingEnvShape,
  GOVMESH_WEB_HOST: z.string().min(1).default('127.0.0.1'),
  GOVMESH_WEB_PORT: z.coerce.number().int().min(1).max(65_535).default(DEFAULT_PORTS.web),
  /** Prometheus metrics at http://<GOVMESH_METRICS_HOST>:<port>/metrics, apart from the public pages; 0 turns them off. */
  GOVMESH_WEB_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_PORTS.webMetrics),
  GOVMESH_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where browsers reach the pages (the sign-in redirect is built from it); this host and port unless set. */
  GOVMESH_WEB_PUBLIC_URL: z.url("must be the pages' public address, e.g. https://services.agency.gov").optional(),
  /** The API the pages call, with the signed-in person's token. */
  GOVMESH_API_URL: z
    .url("must be the API's address, e.g. http://127.0.0.1:17280")
    .default(`http://127.0.0.1:${DEFAULT_PORTS.api}`),
  /** The OpenID Connect issuer people sign in with; unset: the API's development issuer (a laptop only). */
  GOVMESH_OIDC_ISSUER: z.url('must be the issuer URL, e.g. https://login.agency.gov/realms/govmesh').optional(),
  /** The web front end's client id at the issuer (a public client: authorization code with PKCE). */
  GOVMESH_WEB_CLIENT_ID: z.string().min(1).default('govmesh-web'),
  /** What the pages ask the issuer for; a real issuer usually wants `openid`. */
  GOVMESH_WEB_SCOPE: z.string().optional(),
  /** Seals the session cookie; unset, a secret the data folder keeps (every replica must share it). */
  GOVMESH_WEB_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The jurisdiction's time zone: dates and deadlines are shown in it. */
  GOVMESH_TIME_ZONE: TimeZone.default('Europe/Berlin'),
  NODE_ENV: z.string().optional(),
  GOVMESH_PRODUCTION: z.stringbool().default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type WebConfig = z.infer<typeof WebEnv> & {
  readonly publicUrl: string;
  readonly sessionSecret: string;
  readonly production: boolean;
};

export function loadConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  const web = loadProcessConfig('web', WebEnv, env);
  const where = loadProcessConfig('web', DataDirEnv, env);
  const production = web.NODE_ENV === 'production' || web.GOVMESH_PRODUCTION;
  if (production && !web.GOVMESH_OIDC_ISSUER) {
    process.stderr.write(
      'govmesh web: invalid configuration\n✖ in production people sign in through an OpenID Connect issuer: set GOVMESH_OIDC_ISSUER\n  → at GOVMESH_OIDC_ISSUER\n',
    );
    process.exit(1);
  }
  return {
    ...web,
    production,
    publicUrl: (web.GOVMESH_WEB_PUBLIC_URL ?? `http://${web.GOVMESH_WEB_HOST}:${web.GOVMESH_WEB_PORT}`).replace(
      /\/$/,
      '',
    ),
    sessionSecret:
      web.GOVMESH_WEB_SESSION_SECRET ?? readOrCreateServiceSecret(serviceSecretFile(where.dataDir, 'web-session')),
  };
}
