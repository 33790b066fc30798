export { CaseClient, type CaseClientOptions } from './case-client.js';
export { CaseClosed, CaseFailure, CaseRefused, CaseUnreachable, classify } from './case-failure.js';
