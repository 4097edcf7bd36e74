export * from './bus';
export * from './topics';
export * from './in-memory-bus';
