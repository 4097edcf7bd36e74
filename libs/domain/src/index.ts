export * from './money';
export * from './vpa';
export * from './psp';
export * from './category';
export * from './codes';
export * from './messages';
export * from './time';
export * from './random';
