#!/usr/bin/env node
import { runServiceProcess, processLogger } from '@govmesh/messaging';
import { tracingConfig } from '@govmesh/telemetry';
import { startTracing } from '@govmesh/telemetry/setup';

import { startApi } from './api-service.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const tracing = startTracing({ service: 'govmesh-api', config: tracingConfig(config) });
const logger = processLogger('govmesh-api', config.LOG_LEVEL);
const url = `http://${config.GOVMESH_API_HOST}:${config.GOVMESH_API_PORT}`;
await runServiceProcess('api', logger, () => startApi(config, logger), { url, docs: `${url}/docs` }, { tracing });
