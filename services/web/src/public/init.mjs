// Progressive enhancement only: every page works without it (error summary focus, double-click guard).
import { initAll } from './govuk-frontend.min.js';

initAll();
