export { createServer, ROUTES } from './server.js';
export { SqlitePlatformStore, type PlatformStore } from './platform-store.js';
export { openPlatformStore } from './platform-stores.js';
export { PostgresPlatformStore, DEFAULT_API_SCHEMA } from './postgres-platform-store.js';
export {
  type CaseEngine,
  type PartnerRegistry,
  type AuditReader,
  type EventRecorder,
  type Readiness,
} from './ports.js';
export { KafkaPartnerRegistry } from './adapters/kafka-partner-registry.js';
export { HttpAuditReader, AuditUnavailable } from './adapters/http-audit-reader.js';
export { KafkaEventRecorder, EngineReadiness } from './adapters/kafka-event-recorder.js';
export { createMetrics, type ApiMetrics } from './metrics.js';
export { openApiDocument } from './openapi.js';
export type { ApiDeps } from './route-spec.js';
export { startApi } from './api-service.js';
export { loadConfig as loadApiConfig, type ApiConfig } from './config.js';
export { sweepRetention, eraseCase, type RetentionSweep } from './case-erasure.js';
