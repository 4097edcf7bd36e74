export * from './clocks';
export * from './embedded-system';
export * from './invariants';
export * from './percentiles';
export * from './run-recorder';
export * from './run-scenario';
export * from './system-invariants';
export * from './switch-config';
