#!/usr/bin/env node
import { join } from 'node:path';

import { processLogger, runServiceProcess } from '@govmesh/messaging';
import { tracingConfig } from '@govmesh/telemetry';
import { startTracing } from '@govmesh/telemetry/setup';
import { DevelopmentIssuer, developmentIssuerKeyFile } from '@govmesh/tokens';

import { loadDemoRegistryConfig } from './config.js';
import { DEMO_REGISTRY, demoRegistry } from './demo-registry.js';

/**
 * Market regulation's enterprise registry as a service of its own, as the agency would run it:
 * other agencies ask it over HTTP with their own tokens; it keeps its own log of every exchange.
 */
const config = loadDemoRegistryConfig();
const name = `registry-${DEMO_REGISTRY.registry}`;
const logger = processLogger(`govmesh-${name}`, config.LOG_LEVEL);
const tracing = startTracing({ service: `govmesh-${name}`, config: tracingConfig(config) });

await runServiceProcess(
  name,
  logger,
  async () => {
    // The demo's agencies hold tokens of the development issuer the API trusts too.
    const issuer = await DevelopmentIssuer.open(developmentIssuerKeyFile(config.dataDir));
    const registry = demoRegistry({
      tokens: issuer.verifier(),
      logger,
      port: config.GOVMESH_REGISTRY_PORT,
      logFile: join(config.dataDir, 'registry-exchanges.jsonl'),
    });
    await registry.start();
    return { stop: () => registry.stop() };
  },
  { url: `http://127.0.0.1:${config.GOVMESH_REGISTRY_PORT}` },
  { tracing },
);
