import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { InfraConfig } from './config.js';
import { runLogged } from './engine-process.js';
import { withHeartbeat, type Progress } from './progress.js';
import { goInstallEnv } from './temporal.js';
import { requireGo } from './toolchain.js';

/** The Helm release whose `lint` and `template` check deploy/helm/govmesh. */
export const HELM_MODULE_VERSION = 'v3.22.0';

/** Where Helm is built; a second call builds nothing. */
export function helmPath(config: InfraConfig): string {
  return join(config.cacheDir, 'helm', HELM_MODULE_VERSION, 'helm');
}

/** Builds Helm from the Go module proxy once (first run only, about two minutes on two cores). */
export async function prepareHelm(config: InfraConfig, progress: Progress): Promise<string> {
  const bin = helmPath(config);
  if (existsSync(bin)) return bin;
  await requireGo(config.processEnv);
  await withHeartbeat(progress, 'helm', `building Helm ${HELM_MODULE_VERSION} with Go (first run only)`, () =>
    runLogged('helm', 'go', ['install', `helm.sh/helm/v3/cmd/helm@${HELM_MODULE_VERSION}`], {
      logFile: join(config.dataDir, 'logs', 'helm-setup.log'),
      env: goInstallEnv(config, join(config.cacheDir, 'helm', HELM_MODULE_VERSION)),
    }),
  );
  return bin;
}

/**
 * Builds deploy/compose-check (compose-go, the loader `docker compose` itself uses) from the
 * repository's `sourceDir`, once per version of its go.sum.
 */
export async function prepareComposeCheck(config: InfraConfig, progress: Progress, sourceDir: string): Promise<string> {
  const bin = join(config.cacheDir, 'compose-check', 'compose-check');
  await requireGo(config.processEnv);
  // `go build` is a no-op from its cache when nothing changed; the binary is always rewritten.
  await withHeartbeat(progress, 'compose', 'building compose-check with Go (compose-go)', () =>
    runLogged('compose', 'go', ['build', '-o', bin, '.'], {
      logFile: join(config.dataDir, 'logs', 'compose-check-setup.log'),
      env: goInstallEnv(config, join(config.cacheDir, 'compose-check')),
      cwd: sourceDir,
    }),
  );
  return bin;
}
