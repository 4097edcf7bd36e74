export * from './directory';
export * from './decision-log';
export * from './txn-registry';
export * from './switch.service';
export * from './switch-strategies';
