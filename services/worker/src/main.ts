#!/usr/bin/env node
import { runServiceProcess } from '@govmesh/messaging';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { pino } from 'pino';

import { DEMO_AGENCY_ACTIVITIES } from './adapters/agency-activities.js';
import { loadConfig } from './config.js';
import { startWorker } from './worker-service.js';

const config = loadConfig();
const logger = pino({ name: 'govmesh-worker', level: config.LOG_LEVEL });
const temporalLog = logger.child({ component: 'temporal' });
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) =>
    temporalLog[entry.level === 'ERROR' ? 'error' : 'warn']({ ...entry.meta }, entry.message),
  ),
  // The service stops its workers itself, on the signals runServiceProcess handles.
  shutdownSignals: [],
});
await runServiceProcess('worker', logger, () => startWorker(config, logger), {
  taskQueue: config.GOVMESH_CASE_TASK_QUEUE,
  maxCachedCases: config.GOVMESH_WORKER_MAX_CACHED_CASES,
  agencies: config.GOVMESH_DEMO_AGENCIES ? Object.keys(DEMO_AGENCY_ACTIVITIES) : [],
});
