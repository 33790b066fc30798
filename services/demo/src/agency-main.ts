#!/usr/bin/env node
import { createAgency } from '@govmesh/agency-sdk';
import { caseDataConverter, loadCaseDataKeys } from '@govmesh/case-client';
import { processLogger, runServiceProcess } from '@govmesh/messaging';
import { tracingConfig } from '@govmesh/telemetry';
import { startTracing } from '@govmesh/telemetry/setup';
import { DevelopmentIssuer, developmentIssuerKeyFile } from '@govmesh/tokens';
import { DefaultLogger, Runtime } from '@temporalio/worker';

import { loadDemoAgencyConfig } from './config.js';
import { DEMO_AGENCIES } from './demo-agencies.js';

/** One demo agency's systems in a process of its own, as a real agency runs them with the agency SDK. */
const config = loadDemoAgencyConfig();
const name = `agency-${config.GOVMESH_AGENCY}`;
const logger = processLogger(`govmesh-${name}`, config.LOG_LEVEL);
const activities = DEMO_AGENCIES[config.GOVMESH_AGENCY];
if (!activities) {
  logger.fatal(`the demo has no agency ${config.GOVMESH_AGENCY} (it has ${Object.keys(DEMO_AGENCIES).join(', ')})`);
  process.exit(1);
}
const tracing = startTracing({ service: `govmesh-${name}`, config: tracingConfig(config) });
const temporalLog = logger.child({ component: 'temporal' });
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) =>
    temporalLog[entry.level === 'ERROR' ? 'error' : 'warn']({ ...entry.meta }, entry.message),
  ),
  shutdownSignals: [],
});

async function agencyToken(): Promise<string> {
  if (config.GOVMESH_AGENCY_TOKEN) return config.GOVMESH_AGENCY_TOKEN;
  const issuer = await DevelopmentIssuer.open(developmentIssuerKeyFile(config.dataDir));
  return issuer.mint(
    { role: 'agency-admin', subject: `${config.GOVMESH_AGENCY}-systems`, agency: config.GOVMESH_AGENCY },
    '1h',
  );
}

await runServiceProcess(
  name,
  logger,
  async () => {
    const agency = createAgency({
      agency: config.GOVMESH_AGENCY,
      activities,
      temporal: { address: config.TEMPORAL_ADDRESS },
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: caseDataConverter(loadCaseDataKeys(config.caseKeys)),
      announce: { apiUrl: config.GOVMESH_API_URL, token: agencyToken },
      lookups: { token: agencyToken, registries: config.GOVMESH_REGISTRY_URLS },
      logger,
    });
    await agency.start();
    return { stop: () => agency.stop() };
  },
  { activities: Object.keys(activities) },
  { tracing },
);
