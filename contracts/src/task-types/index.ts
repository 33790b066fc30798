export type { TaskContract } from './task-type-registry.js';
export * from './catalogue.js';
