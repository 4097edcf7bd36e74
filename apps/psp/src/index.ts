export * from './psp-http.app';
export * from './psp-http.module';
export * from './tokens';
export * from './api-error';
export * from './admin.guard';
export * from './metrics-observer';
