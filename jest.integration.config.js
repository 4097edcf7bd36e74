/**
 * Integration tests: `*.int.spec.ts`, which need real services (Redis via infra/redis/redis.sh, Kafka).
 * Same transform and roots as jest.config.js; only the file selection differs. `npm run test:integration`.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/*.int.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
