import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { gcoreToken, startGcoreStandIn } from '../support/gcore-stand-in.js';
import { freePort } from '../support/redis-server.js';
import { CLI, runCliProcess } from '../support/worker-process.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-process-'));
const config = join(dir, 'audit.yaml');
writeFileSync(config, 'accounts: [{ clientId: 456 }]\n');

/** An export of `count` never-expiring tokens: one finding each, a report of megabytes. */
function bigExport(count: number): string {
  const file = join(dir, `export-${count}.json`);
  writeFileSync(file, JSON.stringify({ clientId: 456, tokens: Array.from({ length: count }, (_, i) => gcoreToken(1000 + i, { exp_date: null })) }));
  return file;
}

const ARGS = ['audit', '--config', config, '--now', '2026-11-29T12:00:00Z', '--format', 'json'];

describe('the CLI as a process', () => {
  it('writes a report of megabytes whole through a pipe, and exits with its code', async () => {
    const run = await runCliProcess([...ARGS, '--input', bigExport(5000), '--fail-on', 'medium'], {});
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as { summary: { tokensAudited: number; findings: number } };
    expect(report.summary.tokensAudited).toBe(5000);
    expect(report.summary.findings).toBe(5000);
  });

  it('a reader that stops early (| head) ends the audit quietly, with the audit\'s exit code', async () => {
    const child = spawn(process.execPath, [CLI, ...ARGS, '--input', bigExport(5000), '--fail-on', 'medium'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(3);
    expect(stderr).not.toContain('EPIPE');
    expect(stderr.trim().split('\n').every((line) => line.startsWith('{'))).toBe(true);
  });
});

/**
 * Runs the built CLI in `cwd` (a directory of its own: no config/audit.yaml unless the test writes one). A
 * process still running after 20 s is killed, so a hang (a FIFO read) fails the test instead of stalling it.
 */
async function cliIn(cwd: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [resolve(CLI), ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((r) => child.once('close', r));
  clearTimeout(guard);
  return { code, stdout, stderr };
}

const emptyDir = () => mkdtempSync(join(tmpdir(), 'cli-cwd-'));
function fifo(): string {
  const path = join(emptyDir(), 'pipe');
  execFileSync('mkfifo', [path]);
  return path;
}
const plainLines = (stderr: string) => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
const DEFAULTS_MSG = 'no configuration file (--config, TOKEN_AUDIT_CONFIG, config/audit.yaml): using the built-in defaults, one account keyed by GCORE_API_KEY';

describe('human errors for humans (the built CLI)', () => {
  it('with no command prints its help on stdout and exits 2', async () => {
    const run = await cliIn(emptyDir(), []);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^Usage: gcore-token-audit \[options\] \[command\]\n/);
    expect(run.stdout).toContain('audit [options]');
    expect(run.stderr).toBe('');
  });

  it('--version and -V print the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      expect(await cliIn(emptyDir(), [flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('usage and configuration errors are plain lines on stderr, exit 2', async () => {
    const cwd = emptyDir();
    expect(await cliIn(cwd, ['audit', '--bogus'])).toEqual({ code: 2, stdout: '', stderr: "gcore-token-audit: unknown option '--bogus'\n" });
    expect(await cliIn(cwd, ['audit'], { LOG_LEVEL: 'bogus', LOG_FORMAT: 'xml' })).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'gcore-token-audit: LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent\n' +
        'gcore-token-audit: LOG_FORMAT: expected one of json, pretty\n',
    });
    expect(await cliIn(cwd, ['audit', '--config', 'nope.yaml'])).toEqual({ code: 2, stdout: '', stderr: 'gcore-token-audit: nope.yaml: cannot read the configuration file (ENOENT)\n' });
    expect(await cliIn(cwd, ['audit'], { TOKEN_AUDIT_CONFIG: 'nope.yaml' })).toEqual({ code: 2, stdout: '', stderr: 'gcore-token-audit: nope.yaml: cannot read the configuration file (ENOENT)\n' });
  });

  it('a YAML alias bomb, a FIFO or a device as the configuration: exit 2, one line', async () => {
    const cwd = emptyDir();
    const bomb = join(cwd, 'bomb.yaml');
    writeFileSync(bomb, `a: &a [x, x, x, x, x, x, x, x, x, x]\n${'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i] ?? 'a'}`).join(', ')}]`).join('\n')}\n`);
    expect(await cliIn(cwd, ['audit', '--config', bomb])).toEqual({
      code: 2,
      stdout: '',
      stderr: `gcore-token-audit: ${bomb}: not valid YAML: Excessive alias count indicates a resource exhaustion attack\n`,
    });
    const pipe = fifo();
    expect(await cliIn(cwd, ['audit', '--config', pipe])).toEqual({ code: 2, stdout: '', stderr: `gcore-token-audit: ${pipe}: cannot read the configuration file (not a regular file)\n` });
    expect(await cliIn(cwd, ['audit', '--config', '/dev/zero'])).toEqual({ code: 2, stdout: '', stderr: 'gcore-token-audit: /dev/zero: cannot read the configuration file (not a regular file)\n' });
  });

  it('a FIFO or a device as a *_FILE secret: exit 2 at once, never a hang', async () => {
    const cwd = emptyDir();
    const pipe = fifo();
    const run = await cliIn(cwd, ['audit'], { GCORE_API_KEY_FILE: pipe, LOG_LEVEL: 'warn' });
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'gcore-token-audit: GCORE_API_KEY_FILE names a file that cannot be read (not a regular file)\n' });
    const zero = await cliIn(cwd, ['audit'], { GCORE_API_KEY_FILE: '/dev/zero', LOG_LEVEL: 'warn' });
    expect(zero).toEqual({ code: 2, stdout: '', stderr: 'gcore-token-audit: GCORE_API_KEY_FILE names a file that cannot be read (not a regular file)\n' });
  });
});

describe('no configuration file where the defaults serve', () => {
  it('audit without a config file and without a key: the defaults, logged, and "nothing was audited", never a report', async () => {
    const run = await cliIn(emptyDir(), ['audit']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(plainLines(run.stderr)).toEqual(['gcore-token-audit: nothing was audited: GCORE_API_KEY is not set']);
    const logs = run.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(logs).toEqual([expect.objectContaining({ level: 'info', msg: DEFAULTS_MSG })]);
  });

  it('audit without a config file audits the key\'s account with the built-in defaults; LOG_FORMAT=pretty logs readably', async () => {
    const gcore = await startGcoreStandIn();
    try {
      gcore.keys.set('process-test-key-0001', 456);
      gcore.accounts.set(456, new Map([[101, gcoreToken(101, { exp_date: null })]]));
      const run = await cliIn(emptyDir(), ['audit', '--format', 'json'], { GCORE_API_URL: gcore.url, GCORE_API_KEY: 'process-test-key-0001', LOG_FORMAT: 'pretty' });
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as { summary: { accounts: number; tokensAudited: number } };
      expect(report.summary).toMatchObject({ accounts: 1, tokensAudited: 1 });
      expect(gcore.requests.slice(0, 2)).toEqual(['GET /iam/clients/me', 'GET /iam/v2/clients/456/tokens']);
      const first = run.stderr.split('\n')[0] ?? '';
      expect(first).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} INFO {2}/);
      expect(first).toContain(DEFAULTS_MSG);
      expect(run.stderr).not.toMatch(/^\{/m);
    } finally {
      await gcore.close();
    }
  });

  it('trigger reads no configuration unless --config names one', async () => {
    const cwd = emptyDir();
    mkdirSync(join(cwd, 'config'));
    writeFileSync(join(cwd, 'config', 'audit.yaml'), 'bogus: [\n'); // would be an error if read
    const redisUrl = `redis://127.0.0.1:${await freePort()}`; // nothing listens: exit 5, not 2
    const run = await cliIn(cwd, ['trigger', '--timeout', '1'], { REDIS_URL: redisUrl });
    expect(run.code).toBe(5);
    expect(run.stderr).not.toContain('audit.yaml');
    expect(await cliIn(cwd, ['trigger', '--config', 'config/audit.yaml', '--timeout', '1'], { REDIS_URL: redisUrl })).toMatchObject({ code: 2, stdout: '' });
  });
});

describe('the worker checks at start', () => {
  it('that every account\'s key and a webhook URL are set, naming what is missing and never a value', async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, 'audit.yaml'), 'accounts: [{ clientId: 456 }, { clientId: 789, apiKeyEnv: GCORE_API_KEY_789 }]\n');
    const run = await cliIn(cwd, ['worker', '--config', 'audit.yaml'], {
      GCORE_API_KEY: 'worker-key-0001',
      SLACK_WEBHOOK_URL: 'http://hooks.example/services/T0/B0/neverEchoedPath',
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'gcore-token-audit: GCORE_API_KEY_789 is not set (nor GCORE_API_KEY_789_FILE): the API key of account 789\n' +
        'gcore-token-audit: SLACK_WEBHOOK_URL: expected an https:// URL (http:// only to a loopback address)\n',
    });
  });

  it('that HEALTH_PORT is free: an occupied one is exit 2 and one line, not a stack', async () => {
    const redisUrl = process.env.REDIS_URL ?? '';
    expect(redisUrl).not.toBe('');
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '0.0.0.0', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const cwd = emptyDir();
      const run = await cliIn(cwd, ['worker'], {
        GCORE_API_KEY: 'worker-key-0001',
        SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/services/T0/B0/x',
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}`,
        HEALTH_PORT: String(port),
        LOG_LEVEL: 'error',
      });
      expect(run).toEqual({ code: 2, stdout: '', stderr: `gcore-token-audit: HEALTH_PORT: port ${port} is already in use\n` });
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
