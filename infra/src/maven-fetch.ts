import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { InfraConfig } from './config.js';
import { runLogged } from './engine-process.js';
import type { ToolName } from './errors.js';
import { withHeartbeat, type Progress } from './progress.js';
import { requireMaven } from './toolchain.js';

/**
 * Fetches artifacts from Maven Central into `folder`, all or nothing: Maven writes into a staging
 * folder beside it (its output in `logFile`, progress every 15 s), which then takes the folder's
 * place, so an interrupted fetch leaves no half-filled folder that a later run would trust.
 */
export async function fetchWithMaven(
  config: InfraConfig,
  progress: Progress,
  fetch: {
    readonly engine: ToolName;
    readonly message: string;
    readonly folder: string;
    readonly logFile: string;
    /** Maven's goal and properties; `staging` is where it must write. */
    readonly args: (staging: string) => readonly string[];
  },
): Promise<void> {
  await requireMaven(config.processEnv);
  const staging = `${fetch.folder}.partial`;
  rmSync(staging, { recursive: true, force: true });
  await withHeartbeat(progress, fetch.engine, fetch.message, () =>
    runLogged(
      fetch.engine,
      'mvn',
      ['-B', '-q', `-Dmaven.repo.local=${join(config.cacheDir, 'm2')}`, ...fetch.args(staging)],
      { logFile: fetch.logFile, env: config.processEnv },
    ),
  );
  rmSync(fetch.folder, { recursive: true, force: true });
  renameSync(staging, fetch.folder);
}
