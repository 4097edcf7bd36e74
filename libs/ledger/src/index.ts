export * from './ledger-store';
export * from './validate';
export * from './in-memory-ledger';
