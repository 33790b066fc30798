export { createCaseWorkers, workflowsPath, type CaseWorkerDeps } from './case-workers.js';
export { createCaseActivities } from './adapters/case-activities.js';
export { DEMO_AGENCY_ACTIVITIES } from './adapters/agency-activities.js';
export { DEMO_REGISTRIES, RegistryDirectory } from './adapters/registries.js';
export { PartnerDirectory, TRIAL_TASKS, type PartnerStandings } from './domain/partner-directory.js';
export { readPartnersFile } from './partners-file.js';
export { WorkingCalendar } from './domain/working-calendar.js';
export { dueAt } from './domain/deadline.js';
export { followPartnerRegistry } from './adapters/partner-registry-feed.js';
