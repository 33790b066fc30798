import { createServer, type Server } from 'node:http';

import { serveMetrics, type RunningService } from '@govmesh/messaging';
import type { Logger } from 'pino';

import { HttpPortalApi } from './api-client.js';
import type { WebConfig } from './config.js';
import { CookieSeal } from './session.js';
import { openIdSignIn } from './sign-in.js';
import { createWebMetrics } from './web-metrics.js';
import { createWebServer } from './web-server.js';

export interface RunningWeb extends RunningService {
  /** Where the pages are, e.g. http://127.0.0.1:17284. */
  readonly url: string;
}

/** The web front end as a service: resolved once it listens; refused when its issuer or port is unusable. */
export async function startWeb(config: WebConfig, logger: Logger): Promise<RunningWeb> {
  const signIn = await openIdSignIn({
    issuer: config.GOVMESH_OIDC_ISSUER,
    apiUrl: config.GOVMESH_API_URL,
    clientId: config.GOVMESH_WEB_CLIENT_ID,
    redirectUri: `${config.publicUrl}/sign-in/callback`,
    scope: config.GOVMESH_WEB_SCOPE ?? (config.GOVMESH_OIDC_ISSUER ? 'openid' : undefined),
  });
  if (!config.GOVMESH_OIDC_ISSUER)
    logger.warn(
      "people sign in with the API's development issuer (anyone may be anyone); set GOVMESH_OIDC_ISSUER outside a laptop",
    );
  const metrics = createWebMetrics();
  const app = createWebServer({
    metrics,
    api: new HttpPortalApi(config.GOVMESH_API_URL),
    signIn,
    seal: new CookieSeal(config.sessionSecret),
    logger,
    timeZone: config.GOVMESH_TIME_ZONE,
    secureCookies: config.publicUrl.startsWith('https:'),
    signInOrigin: new URL(config.GOVMESH_OIDC_ISSUER ?? config.GOVMESH_API_URL).origin,
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${config.GOVMESH_WEB_PORT} is in use; set GOVMESH_WEB_PORT to another`, { cause: err })
          : err,
      ),
    );
    server.listen(config.GOVMESH_WEB_PORT, config.GOVMESH_WEB_HOST, resolve);
  });
  const scrape =
    config.GOVMESH_WEB_METRICS_PORT > 0
      ? await serveMetrics(metrics.registry, config.GOVMESH_METRICS_HOST, config.GOVMESH_WEB_METRICS_PORT, logger)
      : undefined;
  return {
    url: config.publicUrl,
    async stop() {
      await scrape?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
