export { canonicalJson, digestOf } from './canonical-hash.js';
export {
  ledgerEntryOf,
  recordHash,
  GENESIS_HASH,
  type LedgerEntry,
  type LedgerRecord,
  type LedgerFacts,
  type Actor,
} from './ledger-record.js';
export type { LedgerStore, SignedCheckpoint, AppendOutcome } from './ledger-store.js';
export { SqliteLedgerStore } from './sqlite-ledger-store.js';
export { PostgresLedgerStore, DEFAULT_LEDGER_SCHEMA, type PostgresLedgerOptions } from './postgres-ledger-store.js';
export { openLedgerStore, describeLedgerLocation, LedgerNotFound } from './ledger-stores.js';
export { verifyChain, type ChainVerdict } from './chain-verification.js';
export { verifyLedger, type LedgerVerdict } from './ledger-verification.js';
export { CheckpointSigner, checkpointIsAuthentic, keyIdOf, loadOrCreateSigningKey } from './checkpoint-signing.js';
export { exportLedger, verifyExport, LedgerExportInvalid } from './ledger-export.js';
export { createLedgerConsumer, type LedgerConsumer, type LedgerConsumerDeps } from './ledger-consumer.js';
export {
  ScorecardTally,
  scorecardsOf,
  compositeScore,
  median,
  percentile,
  SCORE_WEIGHTS,
  type ScorecardWindow,
} from './scorecards.js';
export { startStandingsPublisher, type StandingsPublisher } from './standings-publisher.js';
export { LedgerReadModel } from './ledger-read-model.js';
export { ledgerReadApp, serveLedgerReadApi, type LedgerReadApiOptions } from './ledger-read-api.js';
export { auditTimeline, citizenTimeline, type AuditTimelineEntry, type CitizenTimelineEntry } from './case-timeline.js';
export { TransparencyTally, transparencyFigures } from './transparency.js';
export { LedgerLocationEnv, type LedgerLocation } from './config.js';
export { startAuditLedger } from './audit-service.js';
export { ledgerAdminProgram } from './ledger-admin.js';
