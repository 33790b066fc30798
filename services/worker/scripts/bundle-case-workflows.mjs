// The build's last step: bundle the case workflows once, here, instead of in every worker at its
// start (about 3 s of CPU each). A worker bundles at start only when this file is missing or older
// than the workflow code (src/case-workflow-bundle.ts).
import { writeCaseWorkflowBundle } from '../dist/case-workflow-bundle.js';

await writeCaseWorkflowBundle();
