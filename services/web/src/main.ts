#!/usr/bin/env node
import { processLogger, runServiceProcess } from '@govmesh/messaging';
import { tracingConfig } from '@govmesh/telemetry';
import { startTracing } from '@govmesh/telemetry/setup';

import { loadConfig } from './config.js';
import { startWeb } from './web-service.js';

const config = loadConfig();
const tracing = startTracing({ service: 'govmesh-web', config: tracingConfig(config) });
const logger = processLogger('govmesh-web', config.LOG_LEVEL);
await runServiceProcess(
  'web front end',
  logger,
  () => startWeb(config, logger),
  { url: config.publicUrl, api: config.GOVMESH_API_URL },
  { tracing },
);
