// A Jest setup file: runs in the worker before each test file. Points REDIS_URL at this worker's own
// redis-server (global-setup.js started one per worker), unless REDIS_URL was given to Jest.
import { workerRedisVar } from './global-setup.js';

const own = process.env[workerRedisVar(process.env.JEST_WORKER_ID ?? '1')];
if (own && !process.env.REDIS_URL) {
  process.env.REDIS_URL = own;
}
