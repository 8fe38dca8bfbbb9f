import { afterEach, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { RUNS_QUEUE, SCHEDULER_ID, SWEEP_SCHEDULER_ID } from '../../src/store/job-catalogue.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';
import { until } from '../support/worker-process.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const KEY_789 = '789_sentinel-test-gcore-key';
const CONFIG = [
  'gcore: { concurrency: 4, retries: 1 }',
  'accounts: [{ clientId: 456 }, { clientId: 789, apiKeyEnv: GCORE_API_KEY_789 }]',
  'notify: { slack: { detailSeverity: medium } }',
  'sentinel: { everySeconds: 2 }',
  '',
].join('\n');

const admin = (id: number, clientId = 456) =>
  gcoreToken(id, { exp_date: null, created: '2026-11-29T11:58:00.000000Z', client_user: { ...(gcoreToken(id, {}, clientId).client_user as object), role: { id: 1, name: 'Administrators' } } }, clientId);

const sweepsDone = (x: Harness) => x.logs.parsed().filter((l) => l.msg === 'sentinel sweep done');
const listCalls = (x: Harness, clientId: number) => x.gcore.requests.filter((r) => r === `GET /iam/v2/clients/${clientId}/tokens`).length;
const postsAbout = (x: Harness, tokenId: number) => x.slack.accepted().filter((p) => p.raw.includes(`(token ${tokenId})`));

async function startWithTwoAccounts(): Promise<Harness> {
  const x = await workerHarness({ config: CONFIG, env: { GCORE_API_KEY_789: KEY_789 } });
  x.gcore.keys.set(KEY_789, 789);
  x.gcore.accounts.set(789, new Map([[301, gcoreToken(301, { exp_date: null }, 789)]]));
  return x;
}

describe('sentinel', () => {
  it('posts a new never-expiring admin token within a sweep, once; the next run does not post it again, but posts what was below the minimum', async () => {
    h = await startWithTwoAccounts();
    // There before the worker ever swept: recorded by the first sweep, never posted by a sweep.
    h.gcore.accounts.get(456)?.set(200, admin(200));
    const worker = await h.startWorker();
    await until(() => Promise.resolve(sweepsDone(h as Harness).some((l) => (l.seeded as number) === 2)), 10_000, 'the first sweep');
    expect(h.slack.posts).toHaveLength(0);

    h.gcore.accounts.get(456)?.set(201, admin(201));
    h.gcore.accounts.get(789)?.set(302, gcoreToken(302, { exp_date: null }, 789)); // never-expiring, medium: below `high`
    await until(() => Promise.resolve(postsAbout(h as Harness, 201).length > 0), 2_000 + 10_000, 'the New token message');
    const [message] = postsAbout(h, 201);
    expect(message?.raw).toContain('New token');
    expect(message?.raw).toContain('never-expiring-admin');
    expect(message?.raw).toContain('Administrators');
    expect(message?.raw).toContain('issued by John Doe');
    expect(message?.raw).toContain('expires never');
    expect(message?.raw).not.toContain('(token 302)');
    expect(message?.raw).not.toContain('(token 200)');

    // Two more sweeps: still one message.
    const n = sweepsDone(h).length;
    await until(() => Promise.resolve(sweepsDone(h as Harness).length >= n + 2), 10_000, 'two more sweeps');
    expect(h.slack.accepted()).toHaveLength(1);
    // Created 11:58, accepted at the workers' clock (12:00): 120 s.
    const metrics = await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
    expect(metrics).toContain('token_audit_sentinel_detection_seconds_count 1');
    expect(metrics).toContain('token_audit_sentinel_detection_seconds_sum 120');

    const run = await h.trigger();
    expect(run.code).toBe(0);
    expect(run.report?.findings.some((f) => f.tokenId === 201 && f.rule === 'never-expiring-admin')).toBe(true);
    expect(postsAbout(h, 201)).toHaveLength(1); // the run's digest does not name it again
    const digest = h.slack.accepted().at(-1)?.raw ?? '';
    expect(digest).toContain('(token 302)'); // below the sentinel's minimum: told by the run
    expect(digest).toContain('(token 200)'); // existed before the first sweep: told by the run
  });

  it('lists each discovering account exactly once per sweep', async () => {
    h = await startWithTwoAccounts();
    const worker = await h.startWorker();
    await until(() => Promise.resolve(sweepsDone(h as Harness).length >= 3), 15_000, 'three sweeps');
    await worker.close(3000); // no sweep half done when counting
    const sweeps = sweepsDone(h).length;
    expect(sweeps).toBeGreaterThanOrEqual(3);
    expect(listCalls(h, 456)).toBe(sweeps);
    expect(listCalls(h, 789)).toBe(sweeps);
    expect(h.slack.posts).toHaveLength(0);
  });

  it('a sweep that cannot list an account posts nothing for it and counts list_failed', async () => {
    h = await startWithTwoAccounts();
    const worker = await h.startWorker();
    const scrape = async () => (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
    expect(await scrape()).toContain('token_audit_sentinel_sweeps_total{outcome="list_failed"} 0'); // at 0 before any failure
    await until(() => Promise.resolve(sweepsDone(h as Harness).some((l) => (l.seeded as number) === 2)), 10_000, 'the first sweep');
    h.gcore.scripts.set('/iam/v2/clients/789/tokens', () => ({ status: 500, body: '{}' }));
    h.gcore.accounts.get(789)?.set(303, admin(303, 789));
    h.gcore.accounts.get(456)?.set(202, admin(202));
    await until(() => Promise.resolve(postsAbout(h as Harness, 202).length > 0), 12_000, 'the message about the listed account');
    expect(postsAbout(h, 303)).toHaveLength(0);
    expect(sweepsDone(h).some((l) => l.listFailed === 1)).toBe(true);
    // Counted as the sweep ends, just after its message went out.
    await until(async () => /token_audit_sentinel_sweeps_total\{outcome="list_failed"\} [1-9]/.test(await scrape()), 5_000, 'list_failed counted');

    h.gcore.scripts.delete('/iam/v2/clients/789/tokens');
    await until(() => Promise.resolve(postsAbout(h as Harness, 303).length > 0), 12_000, 'the message once the account lists again');
  });

  it('sentinel: false declares no sweep scheduler, and removes one declared before', async () => {
    h = await workerHarness({ config: 'accounts: [{ clientId: 456 }]\nsentinel: { everySeconds: 60 }\n' });
    await h.startWorker();
    const queue = new Queue(RUNS_QUEUE, { connection: h.redis, prefix: h.prefix });
    try {
      expect((await queue.getJobSchedulers()).map((s) => [s.key, s.every ?? null]).sort()).toEqual([
        [SCHEDULER_ID, null],
        [SWEEP_SCHEDULER_ID, 60_000],
      ]);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(h.configPath, 'accounts: [{ clientId: 456 }]\nsentinel: false\n');
      await h.startWorker();
      expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual([SCHEDULER_ID]);
    } finally {
      await queue.close();
    }
  });
});
