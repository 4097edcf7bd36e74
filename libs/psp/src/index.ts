export * from './validate';
export * from './idempotency';
export * from './psp-core';
export * from './throttle';
