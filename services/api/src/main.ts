#!/usr/bin/env node
import { runServiceProcess } from '@govmesh/messaging';
import { traceLogFields, tracingConfig } from '@govmesh/telemetry';
import { startTracing } from '@govmesh/telemetry/setup';
import { pino } from 'pino';

import { startApi } from './api-service.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const tracing = startTracing({ service: 'govmesh-api', config: tracingConfig(config) });
const logger = pino({ name: 'govmesh-api', level: config.LOG_LEVEL, mixin: traceLogFields });
const url = `http://${config.GOVMESH_API_HOST}:${config.GOVMESH_API_PORT}`;
await runServiceProcess('api', logger, () => startApi(config, logger), { url, docs: `${url}/docs` }, { tracing });
