export * from './outcome';
export * from './settings';
export * from './limits';
export * from './metrics';
export * from './leg-breaker';
export * from './admission';
export * from './switch-breaker';
export * from './virtual-global-clock';
