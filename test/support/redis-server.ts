import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsFiles } from './tls-files.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server on a free port, and on another if that one was taken before the server bound it (a test in
 * another Jest worker, or another program, can take a port between freePort() closing it and the server
 * opening it). Three tries.
 */
export async function startOnFreePort<T>(startOn: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      return await startOn(port);
    } catch (error) {
      // redis-server's own words when it cannot bind, in the exit error startOn rejects with.
      if (attempt >= 3 || !(error instanceof Error && error.message.includes('Address already in use'))) {
        throw error;
      }
    }
  }
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same port and data directory (AOF: the data comes back). */
  start(): Promise<void>;
}

/** A private, real redis-server (AOF on, fsync on every write unless told otherwise, noeviction) on a free loopback port, in a directory of its own. */
export async function startRedisServer(
  options: { appendonly?: boolean; appendfsync?: 'always' | 'everysec'; tls?: TlsFiles; args?: string[] } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-'));
  let child: ChildProcess | null = null;
  // With TLS the plain port is off: the only way in is TLS.
  const argsFor = (port: number) => [
    ...(options.tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key,
         '--tls-ca-cert-file', options.tls.ca, '--tls-auth-clients', 'no']
      : ['--port', String(port)]),
    '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...(options.args ?? []),
    '--appendonly', options.appendonly === false ? 'no' : 'yes', '--appendfsync', options.appendfsync ?? 'always',
    '--maxmemory-policy', 'noeviction',
  ];
  const startOn = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn('redis-server', argsFor(port), { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let out = '';
      const onData = (b: Buffer) => {
        out += b.toString();
        if (out.includes('Ready to accept connections')) {
          proc.stdout?.off('data', onData);
          proc.stdout?.resume();
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
    });
  const port = await startOnFreePort(async (p) => {
    await startOn(p);
    return p;
  });
  const start = () => startOn(port);
  return {
    url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    start,
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        const proc = child;
        if (!proc || proc.exitCode !== null) {
          resolve();
          return;
        }
        proc.removeAllListeners('exit');
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}
