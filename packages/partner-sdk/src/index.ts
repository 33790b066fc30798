export {
  ContractsUnavailable,
  PartnerAccessRefused,
  createPartner,
  partnerLogger,
  type Partner,
  type PartnerOptions,
  type TaskContext,
  type TaskHandler,
} from './partner.js';
export { createSimulatedPartner, SAMPLE_OUTPUTS, type SimulatedBehaviour } from './simulated-partner.js';
// For a partner's own logger: pino's `formatters: { log: personalData.formatLog }` redacts as partnerLogger does.
export { personalData } from '@govmesh/messaging';
