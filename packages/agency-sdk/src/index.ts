export {
  AgencyAnnouncementRefused,
  createAgency,
  offerOf,
  type Agency,
  type AgencyActivityDefinition,
  type AgencyOptions,
  type AgencyRequest,
} from './agency.js';
