export { runUp, summaryIsClean, FAULTS_PARTNER_SECONDS, type UpOptions } from './demo-command.js';
export { runDemoBatch, type DemoSummary, type DemoProgress } from './demo-batch.js';
export { SCENARIOS, outcomesOf, endedAsExpected, type Scenario } from './scenarios.js';
export { DEMO_PARTNERS } from './demo-partners.js';
export { onDemoClock } from './demo-catalogue.js';
export { tagged } from './platform-stack.js';
export { startPlatformStack, COMPONENTS, type PlatformStack, type StackOptions } from './platform-stack.js';
export { DEMO_AGENCIES, DEMO_AGENCY_NAMES } from './demo-agencies.js';
export { DEMO_REGISTRY, DEMO_REGISTRY_POLICY, demoRegistry, demoRegistryAddress } from './demo-registry.js';
