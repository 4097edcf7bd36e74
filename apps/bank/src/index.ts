export * from './bank.module';
export * from './bank.controller';
export * from './fault-body';
export * from './tokens';
