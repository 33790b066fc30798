export * from './publications.js';
export * from './publication-check.js';
export * from './publish.js';
export * from './contract-lookup.js';
export * from './seed.js';
export * from './classification.js';
