export { createKafka, pinoLogCreator } from './kafka-client.js';
export { ensureTopics, waitForLeaders, TopicsNotReady } from './topics.js';
export { CloudEventPublisher, type OutgoingEvent } from './cloud-event-publisher.js';
export { PlatformEnv, loadProcessConfig } from './process-config.js';
export { canonicalJson, digestOf } from './canonical-json.js';
export { watchPartnerRegistry, publishPartnerProfile, type PartnerRegistryWatch } from './partner-registry.js';
