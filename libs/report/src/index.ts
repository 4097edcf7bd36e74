export * from './compare';
export * from './html';
