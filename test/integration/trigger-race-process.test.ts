import { afterEach, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { millisecondsInDay } from 'date-fns/constants';
import type { Report } from '../../src/core/report.js';
import { RUNS_QUEUE } from '../../src/store/job-catalogue.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { DEFAULT_ROUTE } from '../../src/store/store-keys.js';
import { stopAll, type Started } from '../support/cleanup.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { startRedisServer } from '../support/redis-server.js';
import { workerHarness } from '../support/worker-harness.js';
import { runCliProcess, spawnWorker, until } from '../support/worker-process.js';

const started: Started = { procs: [] };
afterEach(() => stopAll(started));

const TRIALS = 20;
const daysFromNow = (n: number) => new Date(Date.now() + n * millisecondsInDay).toISOString();
// The fresh token's read is answered to both runs at once (the first read waits up to this long for the
// second): both runs then finish their token jobs together and their report jobs plan from the same state,
// which is the race the commit's version check is there for. Without it, one run usually commits before the
// other reads the states, and the test could not tell a broken check from a working one.
const HOLD_MS = 500;
// A report job that finds the other run delivering the outbox is retried after this long (REPORT_BACKOFF_MS;
// 5 s by default): the in-process harness's 200 ms, rather than waiting 5 s in every trial where it happens.
const REPORT_BACKOFF_MS = 200;
// What a report job logs when its commit is refused (jobs/report-job.ts).
const REFUSED = 'another run committed first: planning again from its state';

/** A token no rule objects to: Users role, used yesterday, expiring in two months. */
const healthy = (id: number) => gcoreToken(id, { created: daysFromNow(-30), last_usage: daysFromNow(-1), exp_date: daysFromNow(60) });

/** A token created a minute ago that breaks a rule: an Administrators token that never expires. */
function freshAdmin(id: number) {
  const base = gcoreToken(id);
  return {
    ...base,
    name: `fresh-admin-${id}`,
    created: daysFromNow(0),
    last_usage: daysFromNow(0),
    exp_date: null,
    client_user: { ...(base.client_user as object), role: { id: 1, name: 'Administrators' } },
  };
}

const slackLine = (stderr: string) => /^gcore-token-audit: Slack: .*$/m.exec(stderr)?.[0] ?? `(no Slack line in: ${stderr.slice(-500)})`;

describe('two simultaneous triggers (worker processes, real Redis)', () => {
  it(`post a fresh finding once (${TRIALS} trials)`, async () => {
    const redis = (started.redis = await startRedisServer());
    // Each worker process runs up to 4 jobs of the runs queue at once (start-worker.ts), so two report jobs can
    // run together in one process or one in each; the token queue's global concurrency leaves room for both
    // runs' reads of the fresh token while the other tokens go through.
    const h = (started.h = await workerHarness({ redisUrl: redis.url, config: 'gcore: { concurrency: 8, retries: 1 }\naccounts: [{ clientId: 456 }]\nsentinel: false\n' }));
    const tokens = h.gcore.accounts.get(456);
    if (!tokens) {
      throw new Error('the harness declares account 456');
    }
    tokens.clear();
    for (const id of [101, 102, 103]) {
      tokens.set(id, healthy(id));
    }
    const env = { ...h.env, REPORT_BACKOFF_MS: String(REPORT_BACKOFF_MS) };
    started.procs = await Promise.all([spawnWorker(env, h.configPath), spawnWorker(env, h.configPath)]);
    const outbox = createOutboxStore(h.redis, h.prefix);
    const trigger = () => runCliProcess(['trigger', '--wait', '--timeout', '60'], h.env);

    // The first run's report job, held waiting for its token jobs (one read is held), was given the workers'
    // REPORT_BACKOFF_MS for its retries.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ heldUntil: held }));
    const pending = trigger();
    const check = new Redis(redis.url);
    const runsQueue = new Queue(RUNS_QUEUE, { connection: check, prefix: h.prefix });
    try {
      let backoff: unknown;
      await until(
        async () => {
          backoff = (await runsQueue.getWaitingChildren()).find((j) => j.name === 'report')?.opts.backoff;
          return backoff !== undefined;
        },
        15_000,
        'the first run\'s report job waiting for its token jobs',
      );
      expect(backoff).toEqual({ type: 'exponential', delay: REPORT_BACKOFF_MS });
    } finally {
      release();
      h.gcore.scripts.delete('/iam/v2/clients/456/tokens/101');
      await runsQueue.close();
      check.disconnect();
    }
    const first = await pending;
    expect({ code: first.code, slack: slackLine(first.stderr) }).toEqual({ code: 0, slack: 'gcore-token-audit: Slack: nothing to post' });
    expect((JSON.parse(first.stdout) as Report).summary).toMatchObject({ tokensAudited: 3, findings: 0 });

    const mentioning = (name: string) => h.slack.posts.filter((p) => p.raw.includes(name)).length;
    const names: string[] = [];
    for (let trial = 1; trial <= TRIALS; trial += 1) {
      const id = 300 + trial;
      const name = `fresh-admin-${id}`;
      names.push(name);
      let firstRead = 0;
      h.gcore.scripts.set(`/iam/v2/clients/456/tokens/${id}`, (_req, count) => {
        if (count === 1) {
          firstRead = Date.now();
        }
        return { delayMs: Math.max(0, firstRead + HOLD_MS - Date.now()) };
      });
      tokens.set(id, freshAdmin(id));

      const runs = await Promise.all([trigger(), trigger()]);
      // Both runs committed; a digest one of them queued may still be on its way to Slack.
      await until(async () => (await outbox.pendingDigests(DEFAULT_ROUTE)).length === 0, 30_000, `the outbox to drain (trial ${trial})`);

      const reports = runs.map((r) => JSON.parse(r.stdout) as Report);
      const outcome = {
        trial,
        codes: runs.map((r) => r.code),
        // Both runs read the fresh token and found it: each of them had it to post.
        sawIt: reports.map((r) => r.findings.some((f) => f.tokenId === id && f.rule === 'never-expiring-admin')),
        distinctRuns: new Set(reports.map((r) => r.runId)).size,
        // The run that committed first posts it; the other, planning again from that state, has nothing to say.
        slack: runs.map((r) => slackLine(r.stderr)).sort(),
        postsMentioningIt: mentioning(name),
      };
      expect(outcome).toEqual({
        trial,
        codes: [0, 0],
        sawIt: [true, true],
        distinctRuns: 2,
        slack: ['gcore-token-audit: Slack: 1 message posted to default', 'gcore-token-audit: Slack: nothing to post'],
        postsMentioningIt: 1,
      });
    }
    // One post a trial, and no later one mentioned an earlier trial's token again.
    expect(h.slack.posts.length).toBe(TRIALS);
    expect(names.map(mentioning)).toEqual(names.map(() => 1));
    // The race did happen: at least once a run's commit was refused because the other had committed since it
    // read the states (it then planned again). Without that, the trials above would prove nothing.
    const refused = started.procs.flatMap((p) => p.stderr().split('\n')).filter((line) => line.includes(`"msg":"${REFUSED}"`));
    expect(refused.length).toBeGreaterThan(0);
  }, 240_000);
});
