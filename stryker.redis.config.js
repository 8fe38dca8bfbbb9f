/* global process */
// Mutation testing of src/store and src/run (`npm run test:mutation:redis`): what they decide is seen only
// against a real Redis, so the integration tests that call them in-process run here besides the unit tests.
// Not the tests that start the built CLI or worker (they run dist/, which is never mutated). One private
// redis-server for the whole run, started here, before Jest: Jest's globalSetup would start one per mutant.
// perTest coverage: each mutant runs only the tests that reach it.
// See README "Development" for what a whole run costs and which files were measured.
import base from './stryker.config.js';
import globalSetup, { workerRedisVar } from './test/support/global-setup.js';
import globalTeardown from './test/support/global-teardown.js';

if (process.env.REDIS_URL === undefined) {
  // One server (as for one Jest worker); every test runner Stryker starts inherits its address.
  await globalSetup({ maxWorkers: 1 });
  process.env.REDIS_URL = process.env[workerRedisVar(1)];
  // The server must not keep Stryker alive once it is done; it is stopped as Stryker exits ('exit' allows
  // no waiting: the teardown sends the signal at once, its promise is not awaited).
  const server = /** @type {import('node:child_process').ChildProcess} */ (globalThis.__REDIS_SERVERS__[0]);
  server.unref();
  /** @type {import('node:net').Socket} */ (server.stdout).unref();
  process.once('exit', () => void globalTeardown());
}

// The integration tests that call src/store and src/run themselves, not through the CLI or a whole worker:
// those reach every store on every mutant and cost minutes each (measured: README "Development").
const IN_PROCESS = [
  'alert-state-store', 'commit-run', 'delivery', 'history', 'history-store', 'mute-store', 'outbox-store',
  'people-sentinel', 'report-job', 'report-stream', 'revocation-lapse', 'revoke', 'run-store', 'sentinel-store',
  'refused-key-store', 'issuer-facts-store', 'socket-lease-store', 'action-store', 'revocation-store',
  // The only test reaching src/run/check-quarantines.ts (in process, about 10 s; its worker test 2 s).
  'quarantine',
  // src/store/audit-queues.ts: what each job is added with (about 1 s), and the fan-out in chunks (a few s).
  'audit-queues', 'fan-out',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  jest: {
    ...base.jest,
    config: {
      ...base.jest.config,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', ...IN_PROCESS.map((name) => `<rootDir>/test/integration/${name}.test.ts`)],
    },
  },
  mutate: ['src/store/**/*.ts', 'src/run/**/*.ts'],
  // An integration test waits on Redis and local servers: a mutant that makes one hang is given longer.
  timeoutMS: 10000,
  incrementalFile: 'reports/stryker-redis-incremental.json',
  htmlReporter: { fileName: 'reports/mutation-redis/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation-redis/mutation.json' },
};
