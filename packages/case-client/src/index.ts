export { updatesSentAgainWhileBusy } from '@govmesh/workflows/busy-cases';
export { CaseClient, type CaseClientOptions, type InboxCase } from './case-client.js';
export {
  InvalidPageToken,
  inboxPage,
  parseInboxPageToken,
  sliceOfInbox,
  type InboxPage,
  type InboxSlice,
} from './inbox-page.js';
export {
  CaseBusy,
  CaseClosed,
  CaseFailure,
  CaseRefused,
  CaseStillRunning,
  CaseUnreachable,
  classify,
} from './case-failure.js';
export { heldTasks, takeBackPartnerTasks, type HeldTask, type TakeBackOutcome } from './partner-tasks.js';
export { ensureCaseSearchAttributes, SearchAttributesMissing } from './search-attributes.js';
export {
  CaseDataCodec,
  CaseDataKeyring,
  CaseDataKeys,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  UnknownCaseDataKey,
  caseDataConverter,
  loadCaseDataKeys,
  rotateCaseDataKey,
} from './case-data-encryption.js';
