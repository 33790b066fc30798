export { bridgeMetrics, type BridgeMetrics } from './bridge-metrics.js';
export { createResultBridge, type ResultBridge, type ResultBridgeDeps } from './result-bridge.js';
export { handleResultMessage, type ResultMessage, type ResultOutcome } from './result-handling.js';
export { startBridge } from './bridge-service.js';
export { loadConfig as loadBridgeConfig, type BridgeConfig } from './config.js';
