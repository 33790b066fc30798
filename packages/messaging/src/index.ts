export { FETCH_WAIT_MS, createKafka, pinoLogCreator, saslOf } from './kafka-client.js';
export {
  KafkaCredentials,
  tlsEnv,
  tlsFromEnv,
  type KafkaTls,
  KafkaSaslMechanism,
  KafkaSecurityEnvShape,
  PartnerKafkaAccess,
  PLATFORM_PRINCIPALS,
  credentialsEnv,
  credentialsFromEnv,
  partnerPrincipal,
  type PlatformComponent,
} from './kafka-security.js';
export {
  REGISTRY_FOLLOWER_GROUP_PREFIX,
  aclEntries,
  applyAcls,
  partnerGrants,
  partnerGroup,
  platformAclEntries,
  platformGrants,
  removePartnerAcls,
  type AclOperation,
  type Grant,
} from './kafka-acls.js';
export { ScramUsers, ScramUserChangeRefused, newSecret } from './scram-users.js';
export { KafkaUnreachable, isBrokerUnreachable, withKafkaAdmin } from './kafka-admin.js';
export { ensureTopics, waitForLeaders, TopicsNotReady } from './topics.js';
export { CloudEventPublisher, type OutgoingEvent } from './cloud-event-publisher.js';
export {
  AuditReadModelEnv,
  BrokerList,
  DEFAULT_PORTS,
  DataDirEnv,
  PlatformEnv,
  caseKeysSource,
  loadProcessConfig,
} from './process-config.js';
export { canonicalJson, digestOf } from '@govmesh/contracts/canonical-json';
export {
  followCompactedTopic,
  watchPartnerRegistry,
  watchPartnerStandings,
  publishPartnerProfile,
  type CompactedTopicFollow,
} from './partner-registry.js';
export {
  ALIVE_QUESTION,
  READY_MESSAGE,
  ServiceStartFailed,
  isAliveAnswer,
  commandFailureText,
  isReadyMessage,
  runProgramInForeground,
  runServiceProcess,
  serviceProgram,
  untilReady,
  type RunningService,
} from './service-process.js';
export { auditReadSecret, bearerMatches, readOrCreateServiceSecret, serviceSecretFile } from './service-secret.js';
export { table } from './text-table.js';
export { consumerLagMetric, serveMetrics, serviceMetrics, type ServiceMetrics } from './service-metrics.js';
export { PersonalDataRedaction, personalData, processLogger, seededRedaction } from './personal-data-redaction.js';
export {
  DatabaseUrl,
  SchemaName,
  openSchemaPool,
  UNIQUE_VIOLATION,
  type SchemaPoolOptions,
} from './postgres-schema.js';
export { COMMIT_INTERVAL_MS, MAX_IN_HAND, OffsetCommitter } from './offset-committer.js';
