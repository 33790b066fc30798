export { createCaseWorkers, type CaseWorkerDeps } from './case-workers.js';
export {
  PREBUILT_CASE_WORKFLOWS,
  prebuiltCaseWorkflows,
  workflowsPath,
  writeCaseWorkflowBundle,
} from './case-workflow-bundle.js';
export { createCaseActivities } from './adapters/case-activities.js';
export { PartnerDirectory, TRIAL_TASKS, type PartnerStandings } from './domain/partner-directory.js';
export { readPartnersFile } from './partners-file.js';
export { WorkingCalendar } from './domain/working-calendar.js';
export { dueAt } from './domain/deadline.js';
export { followPartnerRegistry } from './adapters/partner-registry-feed.js';
export { PublishedStandings, followPartnerStandings } from './adapters/partner-standings-feed.js';
export { startWorker } from './worker-service.js';
export { loadConfig as loadWorkerConfig, type WorkerConfig } from './config.js';
