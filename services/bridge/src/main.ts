#!/usr/bin/env node
import { runServiceProcess, processLogger } from '@govmesh/messaging';
import { tracingConfig } from '@govmesh/telemetry';
import { startTracing } from '@govmesh/telemetry/setup';

import { startBridge } from './bridge-service.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const tracing = startTracing({ service: 'govmesh-bridge', config: tracingConfig(config) });
const logger = processLogger('govmesh-bridge', config.LOG_LEVEL);
await runServiceProcess('bridge', logger, () => startBridge(config, logger), {}, { tracing });
