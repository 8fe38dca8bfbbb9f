import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runCliProcess, spawnWorker } from '../support/worker-process.js';
import { workerHarness } from '../support/worker-harness.js';
import { stopAll, type Started } from '../support/cleanup.js';
import { dumpPrefix } from '../support/store-fixtures.js';
import { parseCsv } from '../support/parse-csv.js';
import type { Report } from '../../src/core/report.js';

const started: Started = { procs: [] };
afterEach(() => stopAll(started));

const DAY_MS = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY_MS).toISOString().slice(0, 10);
const slackText = (posts: { raw: string }[]) => posts.map((p) => p.raw).join('\n');
// BullMQ's rate-limiter counter expires by itself (a worker's doing, not plan's): left out of the comparison.
const sorted = (dump: string) =>
  dump
    .split('\n')
    .filter((line) => !/^\S+:limiter /.test(line))
    .sort()
    .join('\n');

describe('operator commands: mute and plan (processes, real Redis)', () => {
  it('mute add → that token is muted in the report, absent from Slack, and the digest names the mute and its author; mute remove → posted as new', async () => {
    const h = (started.h = await workerHarness({ tokens: 3 }));
    const env = { ...h.env, USER: 'alice' };
    // Before any run the state is empty: the mute matches no open finding, which is a warning, not an error.
    const add = await runCliProcess(['mute', 'add', '--account', '456', '--token', '101', '--reason', 'break-glass, kept in the vault', '--until', inDays(30)], env);
    expect(add.code).toBe(0);
    const id = add.stdout.trim();
    expect(id).toMatch(/^m-[0-9a-f]{8}$/);
    expect(add.stderr).toContain(`gcore-token-audit: warning: ${id} matches no open finding`);

    const list = await runCliProcess(['mute', 'list', '--format', 'json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id, source: 'redis', rule: null, clientId: 456, tokenId: 101, by: 'alice' })]);

    started.procs = [await spawnWorker(h.env, h.configPath)];
    const first = await runCliProcess(['trigger', '--wait', '--timeout', '60'], env);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as Report;
    const of101 = report.findings.filter((f) => f.tokenId === 101);
    expect(of101.length).toBeGreaterThan(0);
    expect(of101.every((f) => f.muted && f.muteReason === 'break-glass, kept in the vault')).toBe(true);
    expect(report.findings.filter((f) => f.tokenId === 102).every((f) => !f.muted)).toBe(true);
    const posted = slackText(h.slack.accepted());
    expect(posted).toContain('token-102');
    expect(posted).not.toContain('token-101');
    expect(posted).toContain(`alice muted every rule on token 101 (account 456) until ${inDays(30)}: break-glass, kept in the vault (${id})`);

    const remove = await runCliProcess(['mute', 'remove', id, '--by', 'bob'], env);
    expect(remove.code).toBe(0);
    expect(remove.stdout).toContain(`removed ${id}`);
    const before = h.slack.accepted().length;
    const second = await runCliProcess(['trigger', '--wait', '--timeout', '60'], env);
    expect(second.code).toBe(0);
    expect((JSON.parse(second.stdout) as Report).findings.filter((f) => f.tokenId === 101).every((f) => !f.muted)).toBe(true);
    const now = slackText(h.slack.accepted().slice(before));
    expect(now).toContain('token-101');
    expect(now).toMatch(/[1-9]\d* new/);
    expect(now).toContain(`bob unmuted every rule on token 101 (account 456) (${id}; muted by alice: break-glass, kept in the vault)`);
    expect(now).not.toContain('alice muted'); // each change told once
    expect((await runCliProcess(['mute', 'list'], env)).stdout).toBe('No mutes in force.\n');
  }, 120_000);

  it('refuses bad mutes with one line and exit 2, before touching Redis', async () => {
    const h = (started.h = await workerHarness({ tokens: 1 }));
    const config = join(dirname(h.configPath), 'short.yaml');
    writeFileSync(config, 'mutes: { maxDays: 10 }\n');
    const cases: [string[], string][] = [
      [['--token', '101'], 'gcore-token-audit: --token needs --account: a token id is unique only within its account\n'],
      [['--rule', 'stale', '--until', inDays(20), '--config', config], 'gcore-token-audit: --until: at most mutes.maxDays (10) days ahead'],
      [['--rule', 'stale', '--until', '2027-02-30'], 'gcore-token-audit: --until: expected a real date (2027-01-31) or a timestamp with a zone (2027-01-31T12:00:00Z), got "2027-02-30"\n'],
    ];
    for (const [args, line] of cases) {
      const run = await runCliProcess(['mute', 'add', '--reason', 'r', '--until', inDays(5), ...args], { ...h.env, USER: 'alice' });
      expect({ args, code: run.code, lines: run.stderr.split('\n').filter(Boolean).length }).toEqual({ args, code: 2, lines: 1 });
      expect(run.stderr.startsWith(line)).toBe(true);
    }
    expect(await h.redis.keys(`${h.prefix}*`)).toEqual([]);
  }, 60_000);

  it('plan with a stricter staleAfterDays lists the extra findings and the messages, and leaves Redis and Slack untouched', async () => {
    const h = (started.h = await workerHarness({ tokens: 3 }));
    const worker = await spawnWorker(h.env, h.configPath);
    started.procs = [worker];
    expect((await runCliProcess(['trigger', '--wait', '--timeout', '60'], h.env)).code).toBe(0);
    worker.child.kill('SIGTERM'); // its heartbeats write to Redis: stop it to compare Redis before and after
    await worker.exited;
    const stricter = join(dirname(h.configPath), 'stricter.yaml');
    writeFileSync(stricter, 'gcore: { concurrency: 4, retries: 1 }\naccounts: [{ clientId: 456 }]\npolicy: { staleAfterDays: 1 }\n');

    const posts = h.slack.posts.length;
    const dump = sorted(await dumpPrefix(h.redis, h.prefix));
    const plan = await runCliProcess(['plan', '--config', stricter], h.env);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^Plan: 3 new · 0 resolved · 0 reminded · \d+ unchanged/);
    for (const id of [101, 102, 103]) {
      expect(plan.stdout).toContain(`token-${id} (token ${id})`);
    }
    expect(plan.stdout.match(/\+ stale \(/g)).toHaveLength(3);
    expect(plan.stdout).toContain('Slack: the next run would post 1 message to SLACK_WEBHOOK_URL:');
    expect(plan.stdout).toContain('3 new · 0 resolved');
    // the preview names the worker's listing commands, not the one-shot audit's
    expect(plan.stdout).toContain('Everything: gcore-token-audit findings ·');
    expect(plan.stdout).not.toContain('audit --format json');
    expect(h.slack.posts.length).toBe(posts);
    expect(sorted(await dumpPrefix(h.redis, h.prefix))).toBe(dump);
    // The same changes as CSV, one a line, in a file written whole.
    const planCsv = join(dirname(h.configPath), 'plan.csv');
    expect(await runCliProcess(['plan', '--config', stricter, '--format', 'csv', '--output', planCsv], h.env)).toMatchObject({ code: 0, stdout: '' });
    expect(parseCsv(readFileSync(planCsv, 'utf8')).map((r) => [r[1], r[2]])).toEqual([['change', 'rule'], ...Array.from({ length: 3 }, () => ['new', 'stale'])]);

    const same = await runCliProcess(['plan', '--config', h.configPath, '--format', 'json'], h.env);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ counts: { new: 0, resolved: 0, reminded: 0 }, changes: [], slack: [] });
  }, 120_000);
});
