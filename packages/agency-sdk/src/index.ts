export {
  AgencyAnnouncementRefused,
  createAgency,
  offerOf,
  type Agency,
  type AgencyActivityDefinition,
  type AgencyOptions,
  type AgencyRequest,
} from './agency.js';
export {
  askRegistry,
  requestHashOf,
  serveRegistry,
  type RegistryPolicy,
  type RegistryService,
  type RegistryServiceOptions,
} from './registry.js';
