#!/usr/bin/env node
import { runServiceProcess } from '@govmesh/messaging';
import { traceLogFields, tracingConfig } from '@govmesh/telemetry';
import { startTracing } from '@govmesh/telemetry/setup';
import { pino } from 'pino';

import { startBridge } from './bridge-service.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const tracing = startTracing({ service: 'govmesh-bridge', config: tracingConfig(config) });
const logger = pino({ name: 'govmesh-bridge', level: config.LOG_LEVEL, mixin: traceLogFields });
await runServiceProcess('bridge', logger, () => startBridge(config, logger), {}, { tracing });
