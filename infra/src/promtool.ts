import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { InfraConfig } from './config.js';
import { runLogged } from './engine-process.js';
import { withHeartbeat, type Progress } from './progress.js';
import { goInstallEnv } from './temporal.js';
import { requireGo } from './toolchain.js';

/** The Prometheus release whose promtool checks govmesh's alert rules and dashboard queries. */
export const PROMTOOL_MODULE_VERSION = 'v0.316.0';

/** Where promtool is built; a second call builds nothing. */
export function promtoolPath(config: InfraConfig): string {
  return join(config.cacheDir, 'promtool', PROMTOOL_MODULE_VERSION, 'promtool');
}

/**
 * Builds Prometheus's promtool from the Go module proxy once (first run only, a few minutes on two
 * cores), for the tests that check ops/prometheus' rules and the dashboard's queries.
 */
export async function preparePromtool(config: InfraConfig, progress: Progress): Promise<string> {
  const bin = promtoolPath(config);
  if (existsSync(bin)) return bin;
  await requireGo(config.processEnv);
  await withHeartbeat(
    progress,
    'promtool',
    `building promtool ${PROMTOOL_MODULE_VERSION} with Go (first run only)`,
    () =>
      runLogged(
        'promtool',
        'go',
        ['install', `github.com/prometheus/prometheus/cmd/promtool@${PROMTOOL_MODULE_VERSION}`],
        {
          logFile: join(config.dataDir, 'logs', 'promtool-setup.log'),
          env: goInstallEnv(config, join(config.cacheDir, 'promtool', PROMTOOL_MODULE_VERSION)),
        },
      ),
  );
  return bin;
}
