export { loadInfraConfig, loadInfraConfigWith, InfraConfigError, type InfraConfig } from './config.js';
export {
  infraUp,
  engineUp,
  kafkaNodesUp,
  infraDown,
  infraStatus,
  engineAnswers,
  enginesStartedNow,
  startPlaintextKafkaForComparison,
  type EngineStatus,
  type InfraStatus,
} from './engines.js';
export {
  watchEngines,
  EngineLost,
  type EngineWatch,
  type EngineWatchEvent,
  type EngineWatchOptions,
} from './engine-watch.js';
export {
  InfraError,
  MissingToolError,
  EngineBuildError,
  EngineNotReadyError,
  PortInUseError,
  KafkaLayoutChanged,
  engineTitle,
  type EngineName,
  type ToolName,
} from './errors.js';
export { assertKafkaLayout, waitForKafka, kafkaNodes, type KafkaNode } from './kafka.js';
export { isAlive, readPidRecord, type PidRecord } from './engine-process.js';
export { databaseUrl, waitForPostgres } from './postgres.js';
export { ensureChromium, DEBIAN_CHROMIUM } from './chromium.js';
export { platformCredentials, principalsDir, KafkaCredentialsMissing } from './kafka-principals.js';
export { waitForTemporal, temporalCliPath } from './temporal.js';
export { preparePromtool, promtoolPath, PROMTOOL_MODULE_VERSION } from './promtool.js';
export { HELM_MODULE_VERSION, helmPath, prepareComposeCheck, prepareHelm } from './deploy-tools.js';
export { infraCommand, terminalProgress } from './infra-command.js';
export { kafkaCommand, aclTable } from './kafka-command.js';
export type { Progress, ProgressEvent } from './progress.js';
export { silences, type Silences } from './silence.js';
