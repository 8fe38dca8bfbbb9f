import { afterEach, describe, expect, it } from '@jest/globals';
import { gcoreToken, gcoreUser } from '../support/gcore-stand-in.js';
import { runCliProcess, spawnWorker } from '../support/worker-process.js';
import { workerHarness } from '../support/worker-harness.js';
import { stopAll, type Started } from '../support/cleanup.js';

const started: Started = { procs: [] };
afterEach(() => stopAll(started));

/** Bound on `trigger --wait` for one account of 25,000 tokens at the stand-in; README "Guarantees" states it. */
const LARGE_RUN_BOUND_S = 240;

describe('worker processes: state and delivery', () => {
  it(
    'commits a run of one account with 25,000 tokens (about 100,000 findings) once, within the bound, and delivers its digest',
    async () => {
      const h = (started.h = await workerHarness({
        tokens: 0,
        config: [
          'gcore: { concurrency: 64, maxTokensPerAccount: 25000 }',
          'accounts: [{ clientId: 456, tokens: [{ id: 1, owner: ops }] }]',
          'notify: { slack: { minSeverity: critical } }',
          '',
        ].join('\n'),
      }));
      const tokens = new Map<number, unknown>();
      for (let id = 1; id <= 25_000; id += 1) {
        // never expires, never used, issuer deleted (in Gcore's roster below), not in the inventory: four findings each
        tokens.set(
          id,
          gcoreToken(id, {
            exp_date: null,
            last_usage: null,
            created: '2025-01-01T00:00:00.000000Z',
            client_user: {
              role: id === 1 ? { id: 1, name: 'Administrators' } : { id: 2, name: 'Users' },
              deleted: true,
              user_id: 123,
              user_name: 'John Doe',
              user_email: 'john@example.com',
              client_id: 456,
            },
          }),
        );
      }
      h.gcore.accounts.set(456, tokens);
      h.gcore.users.set(456, [gcoreUser(123, 456, { deleted: true })]);
      // The list is discovery: ids and names (25,000 whole token objects would pass the 10 MB list bound).
      const list = JSON.stringify([...tokens.keys()].map((id) => ({ id, name: `token-${id}` })));
      h.gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 200, body: list }));
      started.procs = [await spawnWorker(h.env, h.configPath)];

      const t0 = Date.now();
      const run = await runCliProcess(['trigger', '--wait', '--timeout', String(LARGE_RUN_BOUND_S)], h.env);
      const seconds = (Date.now() - t0) / 1000;
      process.stderr.write(`25,000-token run: trigger --wait took ${seconds.toFixed(1)} s\n`);
      expect(run.stderr).not.toContain('no report within');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as { summary: { tokensAudited: number; findings: number } };
      expect(report.summary.tokensAudited).toBe(25_000);
      expect(report.summary.findings).toBeGreaterThanOrEqual(75_000);
      expect(started.procs[0]?.stderr().match(/"msg":"run committed"/g)?.length).toBe(1);
      expect(await h.redis.hlen(`${h.prefix}:alerts:findings`)).toBe(report.summary.findings);
      // within the message budget (3 by default) whatever the size of the run
      expect(h.slack.accepted().length).toBeGreaterThanOrEqual(1);
      expect(h.slack.accepted().length).toBeLessThanOrEqual(3);
      expect(h.slack.accepted()[0]?.raw).toContain('(token 1)');
      expect(await h.redis.llen(`${h.prefix}:alerts:outbox`)).toBe(0);
    },
    (LARGE_RUN_BOUND_S + 60) * 1000,
  );

  it('a Slack Retry-After of 4000000000 s is not waited out: no timer warning, the digest stays queued, trigger exits 4', async () => {
    const h = (started.h = await workerHarness({ tokens: 2 }));
    h.slack.respond = () => ({ status: 429, body: 'rate_limited', headers: { 'retry-after': '4000000000' } });
    const worker = await spawnWorker(h.env, h.configPath);
    started.procs = [worker];
    const run = await runCliProcess(['trigger', '--wait', '--timeout', '30'], h.env);
    expect(run.code).toBe(4);
    expect(h.slack.posts.length).toBe(1);
    expect(await h.redis.lrange(`${h.prefix}:alerts:outbox`, 0, -1)).toHaveLength(1);
    expect(`${run.stderr}${worker.stderr()}`).not.toMatch(/TimeoutOverflowWarning|Warning:/);
    expect(worker.stderr()).toContain('longer than 60 s');
  });
});
