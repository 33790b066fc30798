import { readdirSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SHARED_WORKFLOW_MODULES } from '@govmesh/workflows/bundling';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * The case workflows bundled by the build (`npm run build`), beside this module. Bundling them
 * takes a worker about 3 s of CPU at every start (webpack over the workflow code); built once,
 * a worker reads the file instead.
 */
export const PREBUILT_CASE_WORKFLOWS = fileURLToPath(new URL('./case-workflows.bundle.js', import.meta.url));

/** Where the bundler finds the workflow code. */
export function workflowsPath(): string {
  return fileURLToPath(import.meta.resolve('@govmesh/workflows/service-case'));
}

/** Where the bundler finds the interceptors that carry a case's trace on to its activities. */
export function workflowTracingPath(): string {
  return fileURLToPath(import.meta.resolve('@govmesh/workflows/trace-propagation'));
}

/** What the case workflows are bundled from, the same at build time and at a worker's start. */
export function caseWorkflowSources() {
  return {
    workflowsPath: workflowsPath(),
    // Every activity runs in a span of the case's trace: the interceptors belong in the bundle.
    workflowInterceptorModules: [workflowTracingPath()],
    // Pure modules every case shares, evaluated once per thread (the schema validator and its cache).
    preloadModules: [...SHARED_WORKFLOW_MODULES],
  };
}

/** The case workflows bundled from their sources, as the build and a worker with no current bundle do. */
export async function bundleCaseWorkflows(): Promise<string> {
  const { workflowsPath: path, workflowInterceptorModules, preloadModules } = caseWorkflowSources();
  const quiet = () => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: path,
    workflowInterceptorModules,
    preloadModules,
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
  return code;
}

/** Bundles the case workflows into `file` (the build's last step). */
export async function writeCaseWorkflowBundle(file: string = PREBUILT_CASE_WORKFLOWS): Promise<void> {
  writeFileSync(file, await bundleCaseWorkflows());
}

/** The packages whose built modules the bundle is made of (the workflows and the contracts they import). */
function bundledPackageDirs(): string[] {
  return [dirname(workflowsPath()), dirname(fileURLToPath(import.meta.resolve('@govmesh/contracts/topics')))];
}

/** The newest modification time of any file under `dir`, in ms (0 for an empty or missing folder). */
function newestIn(dir: string): number {
  let newest = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * `bundle` when it exists and is newer than every file under `sourceDirs`; undefined when it is
 * missing or older (workflow code rebuilt without the worker), so that a worker never runs
 * workflow code other than what is built.
 */
export function freshBundle(bundle: string, sourceDirs: readonly string[]): string | undefined {
  let built: number;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return undefined;
  }
  return sourceDirs.every((dir) => newestIn(dir) <= built) ? bundle : undefined;
}

/** The build's bundle of the case workflows if it is current, else undefined (bundle at start). */
export function prebuiltCaseWorkflows(): string | undefined {
  return freshBundle(PREBUILT_CASE_WORKFLOWS, bundledPackageDirs());
}
