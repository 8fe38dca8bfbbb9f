/** Jest runs the TypeScript sources as ESM (got 14 is ESM-only): see README "Tests". */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.check.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  // A real redis-server for the integration tests, one per Jest worker, unless REDIS_URL names one.
  globalSetup: '<rootDir>/test/support/global-setup.js',
  setupFiles: ['<rootDir>/test/support/worker-redis.js'],
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  // The longest files first, wherever Jest has no timings of its own (a clean clone).
  testSequencer: '<rootDir>/test/support/test-sequencer.js',
};
