export * from './types';
export * from './effects';
export * from './coordinator';
export * from './participant';
