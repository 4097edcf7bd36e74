export * from './bank-profile';
export * from './bank-model';
export * from './bank-counters';
export * from './decline-memo';
export * from './bank.service';
