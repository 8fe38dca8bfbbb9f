// Integration tests need a real Redis. Unless REDIS_URL points at one, start a private redis-server for each
// Jest worker: files run in parallel workers, and a server of its own per worker means no file can see
// another's keys, clients, ACL users or server settings, whatever prefix it uses. worker-redis.js (a setup
// file, run in the worker before each test file) points REDIS_URL at the worker's own server.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The variable naming worker `id`'s server (JEST_WORKER_ID counts from 1 up to maxWorkers). */
export const workerRedisVar = (id) => `JEST_REDIS_URL_${id}`;

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Resolves when the server accepts connections; rejects with its last output when it exits first (a taken port). */
async function startServer(port) {
  const dir = mkdtempSync(join(tmpdir(), 'redis-tests-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
        resolve();
      }
    });
    child.once('error', (e) => reject(new Error(`cannot start redis-server (is it installed?): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-300)}`)));
  });
  child.stdout.resume();
  return { child, url: `redis://127.0.0.1:${port}` };
}

/** A port can be taken between freePort() closing it and redis-server binding it: three tries. */
async function startOnFreePort(start) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= 3 || !error.message.includes('Address already in use')) {
        throw error;
      }
    }
  }
}

export default async function globalSetup(globalConfig) {
  if (process.env.REDIS_URL) {
    return; // every worker shares it: the tests' prefixes keep them apart
  }
  // --runInBand runs the files in this process as worker 1.
  const workers = Math.max(1, globalConfig.maxWorkers ?? 1);
  const servers = [];
  globalThis.__REDIS_SERVERS__ = servers;
  for (let id = 1; id <= workers; id += 1) {
    const server = await startOnFreePort(startServer);
    servers.push(server.child);
    process.env[workerRedisVar(id)] = server.url;
  }
}
