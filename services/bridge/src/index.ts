export { createResultBridge, type ResultBridge, type ResultBridgeDeps } from './result-bridge.js';
export { handleResultMessage, type ResultMessage, type ResultOutcome } from './result-handling.js';
