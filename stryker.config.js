/* global process */
// Mutation testing of the unit suite (test/unit) and of the integration tests that need no Redis (the Gcore
// client and the token deleter against the Gcore stand-in): `npm run test:mutation`. Not run by CI (slow);
// see README "Development". Each mutated area must score at least 90 % (stryker-areas.js).
// src/store and src/run need Redis: stryker.redis.config.js (`npm run test:mutation:redis`).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // Unit tests only: no redis-server to start. The unit tests of what is not mutated (configuration fuzzing
    // through the CLI, promtool, container and metrics files, Kubernetes manifests, the health server) only
    // slow each run down.
    config: {
      // jobs/ too: a test reaching src/ through a job's processor (report-stream, report-job) is a related test
      // only when Jest's map knows the processor's file; without it such mutants ran against none and survived.
      roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/jobs'],
      testMatch: [
        '<rootDir>/test/unit/**/*.test.ts',
        // HTTP I/O to the Gcore stand-in, no Redis: what src/gcore/create-*.ts does is only seen there.
        '<rootDir>/test/integration/gcore-api.test.ts',
        '<rootDir>/test/integration/token-deleter.test.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/', '/fuzz-config\\.test\\.ts$', '/monitoring-files\\.test\\.ts$', '/container-files\\.test\\.ts$', '/metrics\\.test\\.ts$', '/kubernetes-manifests\\.test\\.ts$', '/health-server\\.test\\.ts$'],
      globalSetup: null,
      globalTeardown: null,
    },
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/core/**/*.ts',
    'src/alerts/**/*.ts',
    // HTTP I/O to Slack: covered by the integration tests against the Slack stand-in.
    '!src/alerts/slack/slack-notifier.ts',
    'src/gcore/**/*.ts',
    'src/config/**/*.ts',
    // The worker's configuration thread runs as built JavaScript (a thread cannot load the TypeScript):
    // config-in-thread.test.ts holds it to loadConfig, against dist/.
    '!src/config/load-config-in-thread.ts',
    '!src/config/config-document-thread.ts',
  ],
  // Mutants in code that runs while modules load or fixtures are built (zod schemas, catalogues, regular
  // expressions) are "static": each needs every test run again, 44 % of the mutants for 94 % of the time.
  // Ignored unless STRYKER_STATIC=1 (e.g. `STRYKER_STATIC=1 npm run test:mutation -- --mutate src/gcore/parse-token.ts`).
  ignoreStatic: process.env.STRYKER_STATIC !== '1',
  concurrency: 2,
  timeoutMS: 3000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: 90 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
