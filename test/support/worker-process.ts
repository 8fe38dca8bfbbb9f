import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CLI = 'dist/src/app/main.js';

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly healthUrl: string;
  readonly stderr: () => string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Polls `check` until it returns true, up to `timeoutMs`: for conditions with no event to wait on (HTTP status). */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function healthStatus(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.text();
  return res.status;
}

/** The health port from the worker's "worker started" log line, once it is there. */
function startedPort(stderr: string): number | null {
  const line = stderr.split('\n').find((l) => l.includes('"msg":"worker started"'));
  const port = line === undefined ? undefined : (JSON.parse(line) as { healthPort?: unknown }).healthPort;
  return typeof port === 'number' ? port : null;
}

/** Runs the built CLI to its end, as a user would: exit code, stdout and stderr. */
export async function runCliProcess(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  }
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/**
 * Starts `gcore-token-audit worker` (the built CLI) as its own process and waits until /healthz says 200.
 * `nodeArgs` go to node before the CLI; `onSpawn` sees the process at once, before it is healthy.
 */
export async function spawnWorker(
  env: Record<string, string>,
  configPath: string,
  options: { nodeArgs?: string[]; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<WorkerProcess> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  }
  // Port 0: the worker takes any free port and logs it. A port picked here and handed over could be taken
  // in between by a test in another Jest worker.
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, 'worker', '--config', configPath], {
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'info', HEALTH_PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  options.onSpawn?.(child);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let healthUrl = '';
  await until(
    async () => {
      const port = healthUrl ? null : startedPort(stderr);
      if (port !== null) {
        healthUrl = `http://127.0.0.1:${port}/healthz`;
      }
      return healthUrl !== '' && (await healthStatus(healthUrl)) === 200;
    },
    15_000,
    `worker health (${stderr.slice(-300)})`,
  );
  return { child, healthUrl, stderr: () => stderr, exited };
}
