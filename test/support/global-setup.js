// Integration tests need a real Redis: start a private redis-server unless REDIS_URL points at one.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export default async function globalSetup() {
  if (process.env.REDIS_URL) {
    return;
  }
  const port = await freePort();
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
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  globalThis.__REDIS_SERVER__ = child;
}
