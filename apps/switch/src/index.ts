export * from './switch.module';
export * from './switch.controller';
export * from './tokens';
