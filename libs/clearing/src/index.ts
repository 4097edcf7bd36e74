export * from './clearing-core';
export * from './clearing.service';
