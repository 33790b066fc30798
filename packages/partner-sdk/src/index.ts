export {
  ContractsUnavailable,
  PartnerAccessRefused,
  createPartner,
  type Partner,
  type PartnerOptions,
  type TaskContext,
  type TaskHandler,
} from './partner.js';
export { createSimulatedPartner, SAMPLE_OUTPUTS, type SimulatedBehaviour } from './simulated-partner.js';
