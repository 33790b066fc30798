export { ROLES, Unauthenticated, type Caller, type Role } from './caller.js';
export {
  DEFAULT_AUDIENCE,
  DEVELOPMENT_ISSUER,
  DevelopmentIssuer,
  IssuerTokenVerifier,
  IssuerUnavailable,
  developmentIssuerKeyFile,
  discoverIssuer,
  type TokenVerifier,
} from './identity.js';
