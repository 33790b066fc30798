#!/usr/bin/env node
import { runServiceProcess } from '@govmesh/messaging';
import { pino } from 'pino';

import { startApi } from './api-service.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const logger = pino({ name: 'govmesh-api', level: config.LOG_LEVEL });
const url = `http://${config.GOVMESH_API_HOST}:${config.GOVMESH_API_PORT}`;
await runServiceProcess('api', logger, () => startApi(config, logger), { url, docs: `${url}/docs` });
