import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';
import { CLI } from '../support/worker-process.js';

/**
 * `audit` is a one-shot command: it must not pay at start-up for the worker's libraries (README
 * "Performance"). The built CLI runs a real audit against the Gcore stand-in with a module tracer loaded
 * first, and the modules it loaded are read back: none of BullMQ, ioredis, prom-client or our Redis code.
 */
const dir = mkdtempSync(join(tmpdir(), 'audit-imports-'));
const TRACER = join(process.cwd(), 'test/support/module-trace.js');
const KEY = 'imports-test-key-0001';

/** Runs the built CLI with the tracer; the modules it loaded, as URLs or paths. */
async function tracedRun(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; modules: string[] }> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  }
  const traceFile = join(dir, `trace-${args[0] ?? 'none'}.txt`);
  const child = spawn(process.execPath, ['--import', TRACER, CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', MODULE_TRACE_FILE: traceFile, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stderr, modules: readFileSync(traceFile, 'utf8').split('\n').filter((line) => line !== '') };
}

/** The worker's side: a package of node_modules by name, or a folder of ours (src/store: Redis, queues, cluster). */
const WORKER_ONLY = [/\/node_modules\/bullmq\//, /\/node_modules\/ioredis\//, /\/node_modules\/prom-client\//, /\/dist\/src\/store\//, /\/dist\/jobs\//];
const workerModules = (modules: readonly string[]) => modules.filter((m) => WORKER_ONLY.some((re) => re.test(m)));

describe("audit's start-up", () => {
  let gcore: GcoreStandIn;
  beforeAll(async () => {
    gcore = await startGcoreStandIn();
    gcore.keys.set(KEY, 456);
    gcore.accounts.set(456, new Map([[101, gcoreToken(101, { exp_date: null })]]));
  });
  afterAll(async () => {
    await gcore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an audit against Gcore loads no BullMQ, ioredis, prom-client or Redis code of ours', async () => {
    const config = join(dir, 'audit.yaml');
    writeFileSync(config, 'accounts: [{ clientId: 456 }]\n');
    const run = await tracedRun(['audit', '--config', config, '--format', 'json'], { GCORE_API_URL: gcore.url, GCORE_API_KEY: KEY });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) as unknown });
    // The trace saw the audit itself and its HTTP client: an empty or broken trace cannot pass.
    expect(run.modules.some((m) => m.endsWith('/dist/src/app/cli/audit-command.js'))).toBe(true);
    expect(run.modules.some((m) => m.endsWith('/dist/src/gcore/http-get.js'))).toBe(true);
    // got (about 90 ms of start-up) serves only the DELETE of revoke now: the audit's reads never load it.
    expect(run.modules.some((m) => m.includes('/node_modules/got/'))).toBe(false);
    expect(workerModules(run.modules)).toEqual([]);
  });

  it('cron-parser is loaded only where a schedule is checked: not for a configuration without one', async () => {
    const cronParser = (modules: readonly string[]) => modules.some((m) => m.includes('/node_modules/cron-parser/'));
    const plain = join(dir, 'no-schedule.yaml');
    writeFileSync(plain, 'accounts: [{ clientId: 456 }]\n');
    const env = { GCORE_API_URL: gcore.url, GCORE_API_KEY: KEY };
    const without = await tracedRun(['audit', '--config', plain, '--format', 'json'], env);
    expect(without.code).toBe(0);
    expect(without.modules.some((m) => m.endsWith('/dist/src/gcore/http-get.js'))).toBe(true);
    expect(cronParser(without.modules)).toBe(false);
    // The same audit with a schedule to validate loads it (so the check above can fail), and still runs.
    const scheduled = join(dir, 'schedule.yaml');
    writeFileSync(scheduled, "schedule: { cron: '0 7 * * 1-5' }\naccounts: [{ clientId: 456 }]\n");
    const withSchedule = await tracedRun(['audit', '--config', scheduled, '--format', 'json'], env);
    expect(withSchedule.code).toBe(0);
    expect(cronParser(withSchedule.modules)).toBe(true);
  });

  it('the tracer sees BullMQ and ioredis where a command does load them (the check can fail)', async () => {
    // `runs` reads Redis: nothing listens on this port, and it fails fast, after loading the store's code.
    const run = await tracedRun(['runs'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(run.code).not.toBe(0);
    const loaded = workerModules(run.modules).join('\n');
    expect(loaded).toMatch(/\/node_modules\/ioredis\//);
    expect(loaded).toMatch(/\/dist\/src\/store\//);
  });
});
