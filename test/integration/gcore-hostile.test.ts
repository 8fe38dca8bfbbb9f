import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { Report } from '../../src/core/report.js';
import { echoOf, echoingToken, gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';
import { gzipBomb } from '../support/gzip-bomb.js';
import { logSink } from '../support/log-sink.js';
import { CLI, runCliProcess } from '../support/worker-process.js';

const KEY = '456_hostile-gcore-key/+=&?';
const NOW = '2026-11-29T12:00:00Z';
let gcore: GcoreStandIn;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  gcore = await startGcoreStandIn();
  gcore.keys.set(KEY, 456);
  gcore.accounts.set(456, new Map([101, 102, 103].map((id) => [id, gcoreToken(id, { exp_date: null })])));
});
afterEach(() => gcore.close());

function config(yaml: string): string {
  const path = join(dir, `audit-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

async function audit(yaml = 'gcore: { retries: 1 }\naccounts: [{ clientId: 456 }]\n', format = 'json') {
  const out: string[] = [];
  const err: string[] = [];
  const logs = logSink();
  const code = await runCli(['audit', '--config', config(yaml), '--format', format, '--now', NOW], {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env: { GCORE_API_URL: gcore.url, GCORE_API_KEY: KEY },
    logDestination: logs,
    gcoreRetryBaseDelayMs: 5,
  });
  const stdout = out.join('');
  // A run that audited nothing prints no report, only why, on stderr.
  const report = format === 'json' && stdout !== '' ? (JSON.parse(stdout) as Report) : null;
  return { code, stdout, stderr: err.join(''), logs, report };
}

// Token findings; a blind account's coverage-gap is checked through `coverage`.
const rulesOf = (report: Report | null) =>
  report?.findings.filter((f) => f.tokenId !== null).map((f) => `${f.tokenId}:${f.rule}`).sort();
const tokenGets = () => gcore.requests.filter((r) => /\/tokens\/\d+$/.test(r));

describe('audit against a hostile Gcore', () => {
  it('a 1 MB gzip bomb makes that token audit-failed; the others are audited', async () => {
    const bomb = await gzipBomb();
    gcore.scripts.set('/iam/v2/clients/456/tokens/102', () => ({ status: 200, body: bomb, headers: { 'content-encoding': 'gzip' } }));
    const { report } = await audit();
    expect(rulesOf(report)).toEqual(['101:never-expiring', '102:audit-failed', '103:never-expiring']);
    expect(report?.findings.find((f) => f.tokenId === 102)?.message).toBe(
      'Could not be audited: GET /iam/v2/clients/456/tokens/102: the response is larger than 1 MB (decompressed): refused',
    );
  }, 30_000);

  it('a list of a million entries is a coverage gap: none of it is read, the inventory still is', async () => {
    const million = `[${Array.from({ length: 1_000_000 }, (_, i) => `{"id":${(i % 9) + 1}}`).join(',')}]`; // 9 MB
    gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 200, body: million }));
    const { report, code } = await audit('accounts: [{ clientId: 456, tokens: [103] }]\n');
    expect(code).toBe(0);
    expect(report?.coverage).toEqual(['account 456: the token list has 1000000 entries, more than gcore.maxTokensPerAccount (1000)']);
    expect(tokenGets()).toEqual(['GET /iam/v2/clients/456/tokens/103']);
    expect(rulesOf(report)).toEqual(['103:never-expiring']);
  });

  it('a list over gcore.maxTokensPerAccount is refused however small; one at the bound is audited', async () => {
    const over = await audit('gcore: { maxTokensPerAccount: 2 }\naccounts: [{ clientId: 456 }]\n');
    expect(over.code).toBe(2); // nothing was audited: no report, only why
    expect(over.stderr).toBe(
      'gcore-token-audit: nothing was audited: account 456: the token list has 3 entries, more than gcore.maxTokensPerAccount (2)\n',
    );
    expect(tokenGets()).toEqual([]);
    const at = await audit('gcore: { maxTokensPerAccount: 3 }\naccounts: [{ clientId: 456 }]\n');
    expect(at.report?.coverage).toEqual([]);
    expect(at.report?.summary.tokensAudited).toBe(3);
  });

  it('a list over 10 MB is a coverage gap naming the bound', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 200, body: `[{"id":101,"name":"${'x'.repeat(11 * 1024 * 1024)}"}]` }));
    const { report } = await audit('gcore: { retries: 1 }\naccounts: [{ clientId: 456, tokens: [103] }]\n');
    expect(report?.coverage).toEqual([
      'account 456: could not list tokens: GET /iam/v2/clients/456/tokens: the response is larger than 10 MB (decompressed): refused',
    ]);
    expect(rulesOf(report)).toEqual(['103:never-expiring']);
  });

  it('a redirect on the list is a coverage gap naming status and host; on a token, audit-failed', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 307, headers: { location: `http://evil.example:8080/x?k=${KEY}` } }));
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 302, headers: { location: 'https://elsewhere.example/' } }));
    const { report, stdout } = await audit('accounts: [{ clientId: 456, tokens: [101, 102] }]\n');
    expect(report?.coverage[0]).toBe(
      'account 456: could not list tokens: GET /iam/v2/clients/456/tokens: Gcore answered HTTP 307, a redirect to evil.example:8080: refused (redirects are never followed)',
    );
    expect(report?.findings.find((f) => f.tokenId === 101)?.message).toBe(
      'Could not be audited: GET /iam/v2/clients/456/tokens/101: Gcore answered HTTP 302, a redirect to elsewhere.example: refused (redirects are never followed)',
    );
    expect(stdout).not.toContain('hostile-gcore-key');
  });

  it('audits a listed token whatever its list entry says: an over-long name is cut, never a reason to drop it', async () => {
    const longName = 'L'.repeat(10_000);
    gcore.accounts.get(456)?.set(101, gcoreToken(101, { exp_date: null, name: longName }));
    const { report } = await audit();
    expect(report?.coverage).toEqual([]);
    expect(rulesOf(report)).toEqual(['101:never-expiring', '102:never-expiring', '103:never-expiring']);
    expect(report?.findings.find((f) => f.tokenId === 101)?.tokenName).toBe(`${'L'.repeat(4096)}… (cut)`);
  });

  it('redacts a key the API echoes, raw or URL-encoded, in every token field and in list names', async () => {
    const echo = echoOf(KEY);
    gcore.accounts.get(456)?.set(101, echoingToken(KEY));
    // 102's get fails: its finding is named after the list entry
    gcore.scripts.set('/iam/v2/clients/456/tokens/102', () => ({ status: 400, body: JSON.stringify({ detail: echo('detail') }) }));
    gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({
      status: 200,
      body: JSON.stringify([101, 102, 103].map((id) => ({ id, name: echo(`listed-${id}`) }))),
    }));
    const json = await audit();
    const table = await audit(undefined, 'table');
    for (const out of [json.stdout, table.stdout, json.logs.text(), table.logs.text()]) {
      expect(out).not.toContain('hostile-gcore-key');
      expect(out).not.toContain(encodeURIComponent('hostile-gcore-key/'));
    }
    const f101 = json.report?.findings.find((f) => f.tokenId === 101);
    expect(f101?.tokenName).toBe('name [REDACTED] [REDACTED]');
    expect(f101?.issuer).toMatchObject({ name: 'user [REDACTED] [REDACTED]', email: 'email [REDACTED] [REDACTED]' });
    expect(f101?.role).toBe('role [REDACTED] [REDACTED]');
    expect(json.report?.findings.find((f) => f.tokenId === 102)?.tokenName).toBe('listed-102 [REDACTED] [REDACTED]');
  });
});

/** Runs the built CLI and reads its peak RSS (VmHWM) from /proc until it exits. */
async function peakRssOf(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; peakMb: number }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid ?? 0}/status`, 'utf8'));
      peakKb = Math.max(peakKb, Number(m?.[1] ?? 0));
    } catch {
      // exited
    }
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearInterval(timer);
  return { code, stdout, peakMb: peakKb / 1024 };
}

describe('the audit process against a hostile Gcore', () => {
  it('GCORE_API_URL=http://gcore.example is a configuration error: exit 2, one line naming it', async () => {
    const run = await runCliProcess(['audit', '--config', config('accounts: [{ clientId: 456 }]\n')], {
      GCORE_API_URL: 'http://gcore.example',
      GCORE_API_KEY: KEY,
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('GCORE_API_URL: expected an https:// URL (plain http:// only to a loopback host)');
    expect(lines[0]).not.toContain('gcore.example');
    expect(gcore.requests).toEqual([]);
  });

  it('a key variable naming a route\'s webhook variable: exit 2 before any request, naming both purposes, never the webhook', async () => {
    const webhook = 'https://hooks.slack.com/services/T0AAA/B0BBB/teamAWebhookSecret';
    const err: string[] = [];
    const yaml = 'accounts: [{ clientId: 456, apiKeyEnv: TEAM_A_WEBHOOK }]\nnotify: { slack: { routes: [{ name: team-a, webhookEnv: TEAM_A_WEBHOOK }] } }\n';
    const code = await runCli(['audit', '--config', config(yaml), '--notify'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => err.push(s) },
      env: { GCORE_API_URL: gcore.url, TEAM_A_WEBHOOK: webhook, SLACK_WEBHOOK_URL: webhook },
      logDestination: logSink(),
    });
    expect(code).toBe(2);
    expect(err.join('')).toBe(
      'gcore-token-audit: notify.slack.routes[0].webhookEnv: TEAM_A_WEBHOOK holds the Gcore API key of account 456 (accounts[0].apiKeyEnv), not the Slack webhook of route "team-a": name a variable of its own for each\n',
    );
    expect(gcore.requests).toEqual([]);
  });

  it('four 200 MB token bodies, a gzip bomb and a list of a million entries: clear results, peak RSS under 300 MB', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const huge = () => ({
      status: 200,
      stream: function* () {
        yield Buffer.from('{"id": 1, "name": "');
        for (let i = 0; i < 3200; i += 1) {
          yield chunk;
        }
      },
      body: '"}',
    });
    gcore.accounts.set(456, new Map([101, 102, 103, 104, 105, 106].map((id) => [id, gcoreToken(id, { exp_date: null })])));
    for (const id of [101, 102, 103, 104]) {
      gcore.scripts.set(`/iam/v2/clients/456/tokens/${id}`, huge);
    }
    const bomb = await gzipBomb();
    gcore.scripts.set('/iam/v2/clients/456/tokens/105', () => ({ status: 200, body: bomb, headers: { 'content-encoding': 'gzip' } }));
    gcore.keys.set('789_other-hostile-key', 789);
    gcore.accounts.set(789, new Map());
    const million = `[${Array.from({ length: 1_000_000 }, (_, i) => `{"id":${(i % 9) + 1}}`).join(',')}]`;
    gcore.scripts.set('/iam/v2/clients/789/tokens', () => ({ status: 200, body: million }));
    const yaml = 'gcore: { concurrency: 4, retries: 1 }\naccounts: [{ clientId: 456, tokens: [101, 102, 103, 104, 105, 106] }, { clientId: 789, apiKeyEnv: GCORE_API_KEY_789 }]\n';
    const run = await peakRssOf(['audit', '--config', config(yaml), '--format', 'json', '--now', NOW], {
      GCORE_API_URL: gcore.url,
      GCORE_API_KEY: KEY,
      GCORE_API_KEY_789: '789_other-hostile-key',
      LOG_LEVEL: 'error',
    });
    const report = JSON.parse(run.stdout) as Report;
    expect(rulesOf(report)).toEqual(['101:audit-failed', '102:audit-failed', '103:audit-failed', '104:audit-failed', '105:audit-failed', '106:never-expiring']);
    expect(report.coverage).toContain('account 789: the token list has 1000000 entries, more than gcore.maxTokensPerAccount (1000)');
    expect(tokenGets().filter((r) => r.includes('/789/'))).toEqual([]);
    expect(gcore.streamedBytes).toBeLessThan(4 * 20 * 1024 * 1024);
    process.stderr.write(`hostile audit: peak RSS ${run.peakMb.toFixed(0)} MB\n`);
    expect(run.peakMb).toBeLessThan(300);
  }, 60_000);
});
