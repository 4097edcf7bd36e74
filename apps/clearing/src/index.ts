export * from './clearing.module';
export * from './clearing.controller';
export * from './tokens';
