export { loadConfig, type WebConfig } from './config.js';
export { startWeb, type RunningWeb } from './web-service.js';
export { createWebServer, type WebDeps } from './web-server.js';
export { HttpPortalApi, ApiProblem, ApiUnreachable, type PortalApi } from './api-client.js';
export { CookieSeal } from './session.js';
export { openIdSignIn, SignInUnavailable, type SignIn } from './sign-in.js';
