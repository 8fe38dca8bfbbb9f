import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { OpenFinding } from '../../src/alerts/open-findings.js';
import type { AlertState } from '../../src/alerts/plan-alerts.js';
import type { Finding } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import { atLeast, SEVERITIES } from '../../src/core/severity.js';
import { readReport } from '../../src/store/report-fields.js';
import type { RunSummary } from '../../src/store/run-store.js';
import { stopAll, type Started } from '../support/cleanup.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { freePort } from '../support/redis-server.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';
import { CLI, spawnWorker, until } from '../support/worker-process.js';
import { parseCsv } from '../support/parse-csv.js';

/** The built CLI in a directory of its own: no configuration file anywhere near. */
async function cli(args: string[], env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), 'cli-read-'));
  const child = spawn(process.execPath, [resolve(CLI), ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((r) => child.once('close', r));
  clearTimeout(guard);
  return { code, stdout, stderr };
}

const started: Started = { procs: [] };
let h: Harness;
let env: Record<string, string>;
const at = (ms: number) => new Date(Date.now() + ms);

// One estate, a scheduled run then a manual one, shared by the tests below (they only read).
beforeAll(async () => {
  // The schedule's first slot a few seconds ahead (6-field cron, seconds first): the worker declares it as it would any cron.
  const slot = at(20_000);
  const cron = `${slot.getUTCSeconds()} ${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`;
  h = started.h = await workerHarness({
    config: [
      `schedule: { cron: "${cron}", timezone: UTC }`,
      'gcore: { concurrency: 4, retries: 1 }',
      'accounts: [{ clientId: 456, name: "Production CDN" }, { clientId: 789, apiKeyEnv: GCORE_API_KEY_789 }]',
      'mutes: [{ rule: never-expiring, clientId: 456, tokenId: 102, reason: "CI key, rotated by Vault", until: 2099-01-31 }]',
      '',
    ].join('\n'),
    env: { GCORE_API_KEY_789: '789_worker-test-gcore-key' },
  });
  env = { REDIS_URL: h.env.REDIS_URL ?? '', QUEUE_PREFIX: h.prefix };
  h.gcore.keys.set('789_worker-test-gcore-key', 789);
  const admin = { role: { id: 1, name: 'Administrators' }, deleted: false, user_id: 123, user_name: 'John Doe', user_email: 'john@example.com', client_id: 456 };
  h.gcore.accounts.set(
    456,
    new Map([
      [101, gcoreToken(101, { exp_date: null, name: 'ci-deploy', client_user: admin })], // never-expiring-admin, critical
      [102, gcoreToken(102, { exp_date: null, name: 'vault-ci' })], // never-expiring, muted
      [103, gcoreToken(103, { last_usage: null, name: '=cmd|calc' })], // never-used; a name a spreadsheet would run
      [104, gcoreToken(104, { name: 'healthy, "quoted"' })], // no finding
    ]),
  );
  h.gcore.accounts.set(789, new Map([[201, gcoreToken(201, { exp_date: null, name: 'grafana' }, 789)]]));
  const worker = await spawnWorker(h.env, h.configPath);
  started.procs = [worker];
  await until(async () => (await h.redis.zcard(`${h.prefix}:alerts:runs`)) === 1, 45_000, 'the scheduled run');
  await until(async () => (await h.redis.hget(`${h.prefix}:alerts:run:${(await h.redis.zrange(`${h.prefix}:alerts:runs`, 0, 0))[0]}`, 'delivery')) === 'delivered', 30_000, 'its delivery');
}, 90_000);
afterAll(() => stopAll(started));

async function openStates(): Promise<AlertState[]> {
  return Object.values(await h.redis.hgetall(`${h.prefix}:alerts:findings`)).map((j) => JSON.parse(j) as AlertState);
}
const lastReport = async (): Promise<Report> => {
  const [run] = await h.redis.zrevrange(`${h.prefix}:alerts:runs`, 0, 0);
  return (await readReport(h.redis, `${h.prefix}:alerts:run:${run}`)) as Report;
};
const strip = ({ firstSeen: _f, lastSeen: _l, lastNotified: _n, routes: _r, ...finding }: OpenFinding): Finding => finding;

describe('reading the worker from the command line (built CLI, no configuration file)', () => {
  it('findings --format json: the open state after a run, one per finding, with the report\'s objects, filters included', async () => {
    const report = await lastReport();
    const states = await openStates();
    const run = await cli(['findings', '--format', 'json'], env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const all = JSON.parse(run.stdout) as OpenFinding[];
    expect(all.map(strip)).toEqual(report.findings.filter((f) => !f.muted));
    expect(all.map((f) => f.rule)).toEqual(['never-expiring-admin', 'never-used', 'never-expiring']);
    for (const f of all) {
      const s = states.find((x) => x.finding.id === f.id);
      expect({ firstSeen: f.firstSeen, lastSeen: f.lastSeen, lastNotified: f.lastNotified, routes: f.routes }).toEqual({
        firstSeen: s?.firstSeen,
        lastSeen: s?.lastSeen,
        lastNotified: s?.lastNotified,
        routes: ['default'],
      });
    }
    for (const severity of SEVERITIES) {
      const out = await cli(['findings', '--severity', severity, '--format', 'json'], env);
      expect((JSON.parse(out.stdout) as OpenFinding[]).map(strip)).toEqual(report.findings.filter((f) => !f.muted && atLeast(f.severity, severity)));
    }
    const byRule = JSON.parse((await cli(['findings', '--rule', 'never-used', '--format', 'json'], env)).stdout) as OpenFinding[];
    expect(byRule.map((f) => [f.rule, f.tokenId])).toEqual([['never-used', 103]]);
    const byAccount = JSON.parse((await cli(['findings', '--account', '789', '--format', 'json'], env)).stdout) as OpenFinding[];
    expect(byAccount.map((f) => [f.clientId, f.tokenId])).toEqual([[789, 201]]);
    // the filters a digest's listing commands print, together
    const listed = JSON.parse((await cli(['findings', '--rule', 'never-used', '--account', '456', '--format', 'json'], env)).stdout) as OpenFinding[];
    expect(listed.map((f) => [f.rule, f.clientId, f.tokenId])).toEqual([['never-used', 456, 103]]);
    const owner = report.findings.find((f) => !f.muted && f.owner !== null)?.owner ?? '';
    const byOwner = JSON.parse((await cli(['findings', '--owner', owner.toUpperCase(), '--format', 'json'], env)).stdout) as OpenFinding[];
    expect(byOwner.map(strip)).toEqual(report.findings.filter((f) => !f.muted && f.owner?.toLowerCase() === owner.toLowerCase()));
    expect(byOwner.length).toBeGreaterThan(0);
    const muted = JSON.parse((await cli(['findings', '--muted', '--format', 'json'], env)).stdout) as OpenFinding[];
    expect(muted.map(strip)).toEqual(report.findings.filter((f) => f.muted));
    expect(muted.map((f) => [f.tokenId, f.muteReason])).toEqual([[102, 'CI key, rotated by Vault']]);
    expect(await cli(['findings', '--account', 'x'], env)).toEqual({ code: 2, stdout: '', stderr: 'gcore-token-audit: --account: expected an account id (a positive integer), got "x"\n' });
  });

  it('findings as a table (the audit\'s columns and first seen) and as CSV that parses, formulas defused', async () => {
    const table = await cli(['findings'], env);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^SEVERITY +RULE +ACCOUNT +TOKEN +NAME +OWNER +MESSAGE$/);
    // 153 columns whole: the messages are cut to 40 first, then the widest of account, name and owner.
    expect(lines[1]).toBe('critical  never-expiring-admin  456 Producti…  101    ci-deploy  john@example…  Administrators token that never expires.');
    expect(table.stdout).toContain('\n3 open findings (1 critical, 2 medium) · 1 muted not shown (--muted lists them)\n');
    expect(lines.every((l) => [...l].length <= 120)).toBe(true);
    const wide = (await cli(['findings', '-o', 'wide'], env)).stdout.split('\n');
    expect(wide[0]).toMatch(/^SEVERITY +RULE +ACCOUNT +TOKEN +NAME +OWNER +LAST USED +EXPIRES +FIRST SEEN +MESSAGE$/);
    expect(wide[1]).toMatch(/^critical +never-expiring-admin +Production CDN \(456\) +101 +ci-deploy +john@example\.com +\S+ +never +\S+ +Administrators token that never expires\.$/);

    const csv = await cli(['findings', '--format', 'csv', '--severity', 'info'], env);
    expect(csv.code).toBe(0);
    const rows = parseCsv(csv.stdout);
    const json = JSON.parse((await cli(['findings', '--format', 'json'], env)).stdout) as OpenFinding[];
    expect(rows[0]).toEqual(['id', 'severity', 'rule', 'clientId', 'accountName', 'tokenId', 'tokenName', 'role', 'owner', 'lastUsage', 'expDate', 'firstSeen', 'lastSeen', 'lastNotified', 'routes', 'muted', 'muteReason', 'message', 'issuer', 'created', 'remediation', 'acknowledgedBy', 'acknowledgedUntil']);
    expect(rows.slice(1).map((r) => [r[0], r[2], r[5], r[6]])).toEqual(json.map((f) => [f.id, f.rule, String(f.tokenId), f.tokenId === 103 ? `'${f.tokenName}` : f.tokenName]));
    expect(rows.every((r) => r.length === 23)).toBe(true);
    // Nothing acknowledged from Slack here: the last two cells are empty.
    expect(rows.slice(1).every((r) => r[21] === '' && r[22] === '')).toBe(true);
    // Appended: who issued it, when, and what to do (the auditor's trail from finding to action).
    expect(rows.slice(1).map((r) => [r[19], r[20]])).toEqual(json.map((f) => [f.created ?? '', f.remediation]));
    expect(rows.slice(1).every((r) => r[18] === '' || /^.+ \(user \d+(, deleted)?\)$/.test(r[18] ?? ''))).toBe(true);
  });

  it('runs and report last after a scheduled and a manual run; trigger --wait --format table says what Slack got', async () => {
    const scheduled = (await lastReport()).runId;
    const posted = h.slack.accepted().length;
    expect(posted).toBeGreaterThan(0);

    const manual = await cli(['trigger', '--wait', '--timeout', '60', '--format', 'table'], env);
    expect(manual.code).toBe(0);
    expect(manual.stdout).toMatch(/^SEVERITY +RULE +ACCOUNT/);
    expect(manual.stdout).toMatch(/\nrun manual-[0-9a-f-]+ \(manual\) · 0 new · 0 resolved · 3 open · Slack: nothing to post\n$/);
    expect(manual.stderr.trimEnd().split('\n').at(-1)).toBe('gcore-token-audit: Slack: nothing to post');
    expect(h.slack.accepted().length).toBe(posted);

    const runs = await cli(['runs', '--format', 'json'], env);
    expect(runs).toMatchObject({ code: 0, stderr: '' });
    const list = JSON.parse(runs.stdout) as RunSummary[];
    expect(list.map((r) => [r.trigger, r.summary.tokensAudited, r.summary.failed, r.counts, r.delivery])).toEqual([
      // open: unmuted only (one of the four is muted), as the header, `findings` and /metrics count
      ['manual', 5, 0, { new: 0, resolved: 0, open: 3 }, 'nothing-to-send'],
      ['schedule', 5, 0, { new: 3, resolved: 0, open: 3 }, 'delivered'],
    ]);
    expect(list[1]?.runId).toBe(scheduled);
    expect(list[1]?.routes).toEqual([{ route: 'default', messages: posted, posted, state: 'delivered', error: null }]);
    const narrow = (await cli(['runs'], env)).stdout.split('\n');
    expect(narrow[0]).toMatch(/^RUN +STARTED +TOKENS +FAILED +NEW +RESOLVED +OPEN +SLACK$/);
    expect(narrow[1]).toMatch(/^manual-\S+ +\d\d-\d\d \S+ +5 +0 +0 +0 +3 +nothing to post$/);
    expect(narrow.every((l) => [...l].length <= 120)).toBe(true);
    const table = (await cli(['runs', '-o', 'wide'], env)).stdout.split('\n');
    expect(table[0]).toMatch(/^RUN +TRIGGER +STARTED +FINISHED +TOKENS +FAILED +NEW +RESOLVED +OPEN +SLACK$/);
    expect(table[1]).toMatch(/^manual-\S+ +manual +\S+ \S+ +\S+ \S+ +5 +0 +0 +0 +3 +nothing to post$/);
    expect(table[2]).toMatch(new RegExp(`^${scheduled} +scheduled .* 5 +0 +3 +0 +3 +${posted} messages? posted to default$`));
    expect((JSON.parse((await cli(['runs', '--limit', '1', '--format', 'json'], env)).stdout) as RunSummary[]).map((r) => r.runId)).toEqual([list[0]?.runId]);
    expect(parseCsv((await cli(['runs', '--format', 'csv'], env)).stdout).map((r) => [r[0], r[1], r[9]])).toEqual([
      ['runId', 'trigger', 'delivery'],
      [list[0]?.runId, 'manual', 'nothing-to-send'],
      [scheduled, 'schedule', 'delivered'],
    ]);

    const last = await cli(['report', 'last', '--format', 'json'], env);
    expect(last.code).toBe(0);
    const stored = await readReport(h.redis, `${h.prefix}:alerts:run:${list[0]?.runId}`);
    expect(last.stdout).toBe(`${JSON.stringify(stored, null, 2)}\n`); // what `audit --format json` prints
    expect(last.stderr).toBe('gcore-token-audit: Slack: nothing to post\n');
    // --format csv --output: the findings CSV of `audit --format csv`, in a file written whole.
    const out = join(mkdtempSync(join(tmpdir(), 'report-csv-')), 'report.csv');
    const csv = await cli(['report', 'last', '--format', 'csv', '--output', out], env);
    expect(csv).toMatchObject({ code: 0, stdout: '' });
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows.slice(1).map((r) => [r[0], r[rows[0]?.indexOf('remediation') ?? -1]])).toEqual((stored?.findings ?? []).map((f) => [f.id, f.remediation]));
    const findingsOut = join(dirname(out), 'findings.json');
    expect(await cli(['findings', '--format', 'json', '--output', findingsOut], env)).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(findingsOut, 'utf8')).toBe((await cli(['findings', '--format', 'json'], env)).stdout);
    const first = await cli(['report', scheduled], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^SEVERITY +RULE/);
    expect(first.stdout).toMatch(new RegExp(`\\nrun ${scheduled} \\(scheduled\\) · \\d+ new · \\d+ resolved · \\d+ open · Slack: ${posted} message${posted === 1 ? '' : 's'} posted to default\\n`));
    expect(await cli(['report', 'nope'], env)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gcore-token-audit: no run "nope" in Redis (a run\'s report is kept a day; `gcore-token-audit runs` lists them)\n',
    });
  });

  it('every read command exits 5 with one plain line when Redis does not answer', async () => {
    const port = await freePort(); // nothing listens there
    for (const args of [['findings'], ['runs'], ['report', 'last'], ['findings', '--format', 'csv']]) {
      const run = await cli([...args, '--timeout', '2'], { REDIS_URL: `redis://:s3cret-pass@127.0.0.1:${port}` });
      expect(run).toEqual({
        code: 5,
        stdout: '',
        stderr: `gcore-token-audit: Redis at redis://:***@127.0.0.1:${port} (REDIS_URL): connection refused (ECONNREFUSED): nothing listens there\n`,
      });
    }
  });
});

