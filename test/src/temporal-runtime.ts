import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

let installed = false;

/**
 * The worker runtime can be installed once per process; tests share this one, which keeps
 * the SDK's own INFO lines out of the test output and still shows warnings and errors.
 */
export function installTestRuntime(): void {
  if (installed) return;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
  installed = true;
}
