#!/usr/bin/env node
import { runServiceProcess, processLogger } from '@govmesh/messaging';
import { tracingConfig } from '@govmesh/telemetry';
import { startTracing } from '@govmesh/telemetry/setup';
import { DefaultLogger, Runtime } from '@temporalio/worker';

import { loadConfig } from './config.js';
import { startWorker } from './worker-service.js';

const config = loadConfig();
const tracing = startTracing({ service: 'govmesh-worker', config: tracingConfig(config) });
const logger = processLogger('govmesh-worker', config.LOG_LEVEL);
const temporalLog = logger.child({ component: 'temporal' });
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) =>
    temporalLog[entry.level === 'ERROR' ? 'error' : 'warn']({ ...entry.meta }, entry.message),
  ),
  // The service stops its workers itself, on the signals runServiceProcess handles.
  shutdownSignals: [],
  // The SDK's own metrics (task slots, polls, workflow task latency, sticky cache) on a port of
  // their own, beside the worker's /metrics: the SDK core serves them itself.
  ...(config.GOVMESH_WORKER_SDK_METRICS_PORT > 0
    ? {
        telemetryOptions: {
          metrics: {
            metricPrefix: 'temporal_',
            prometheus: {
              bindAddress: `${config.GOVMESH_METRICS_HOST}:${config.GOVMESH_WORKER_SDK_METRICS_PORT}`,
              countersTotalSuffix: true,
            },
          },
        },
      }
    : {}),
});
await runServiceProcess(
  'worker',
  logger,
  () => startWorker(config, logger),
  {
    taskQueue: config.GOVMESH_CASE_TASK_QUEUE,
    maxCachedCases: config.GOVMESH_WORKER_MAX_CACHED_CASES,
    sdkMetrics: `http://${config.GOVMESH_METRICS_HOST}:${config.GOVMESH_WORKER_SDK_METRICS_PORT}/metrics`,
  },
  { tracing },
);
