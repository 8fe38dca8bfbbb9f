import { describe, expect, it } from '@jest/globals';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { createAuditQueues } from '../../src/store/audit-queues.js';
import { RUNS_QUEUE, TOKENS_QUEUE, reportJobId } from '../../src/store/job-catalogue.js';
import { tokenRef } from '../support/tokens.js';
import type { TokenRef } from '../../src/core/token-ref.js';
import { closeAfterAll, testRedis } from '../support/store-fixtures.js';
import { until } from '../support/worker-process.js';

// The run job's fan-out in chunks behind a gate (issue 22), on a real Redis with BullMQ's own worker taking the
// token jobs: chunks of 2 here, so 5 tokens make 3 chunks.
const { redis, prefix: base } = testRedis();
const closers = closeAfterAll(redis);

const ref = (tokenId: number): TokenRef => tokenRef(456, tokenId);

function setUp(name: string, failsForGood: ReadonlySet<number> = new Set()) {
  const prefix = `${base}-${name}`;
  const queues = createAuditQueues(redis, prefix, { fanOutChunk: 2 });
  const runs = new Queue(RUNS_QUEUE, { connection: redis, prefix });
  // How many times each token's job ran: every token once is the promise.
  const ran = new Map<number, number>();
  const blocking = redis.duplicate(); // a worker blocks on its connection: not the one the queues share
  const worker = new Worker(
    TOKENS_QUEUE,
    (job: Job<{ ref: TokenRef }>) => {
      const id = job.data.ref.tokenId;
      ran.set(id, (ran.get(id) ?? 0) + 1);
      return failsForGood.has(id) ? Promise.reject(new UnrecoverableError('Gcore said no')) : Promise.resolve({ tokenId: id });
    },
    { connection: blocking, prefix, autorun: false },
  );
  closers.push(() => blocking.quit(), () => queues.close(), () => runs.close(), () => worker.close());
  const run = (refs: readonly TokenRef[], evaluatedAt = new Date('2026-12-05T03:00:00Z')) => ({
    runKey: 'r1',
    trigger: 'manual' as const,
    startedAt: new Date('2026-12-05T03:00:00Z'),
    evaluatedAt,
    accounts: [],
    refs,
  });
  const reportState = () => runs.getJobState(reportJobId('r1'));
  const finished = () => [...ran.values()].reduce((a, b) => a + b, 0);
  const processed = async () => Object.keys(await redis.hgetall(`${prefix}:${RUNS_QUEUE}:${reportJobId('r1')}:processed`)).sort();
  /** A run job killed after `crashAt` tokens were added, each chunk's token jobs over before the next is added. */
  const killedAttempt = async (refs: readonly TokenRef[], crashAt: number) => {
    const crash = new Error('killed between chunks');
    await expect(
      queues.addRunFlow(run(refs), {
        afterChunk: async (added) => {
          await until(() => Promise.resolve(finished() === added), 10_000, `${added} token jobs to finish`);
          if (added === crashAt) {
            throw crash;
          }
        },
      }),
    ).rejects.toBe(crash);
  };
  return { queues, worker, ran, run, reportState, processed, prefix, killedAttempt };
}

describe('the run fan-out in chunks (real Redis)', () => {
  it('holds the report back until its last chunk is in, even when every token job added so far has finished', async () => {
    const t = setUp('gate');
    void t.worker.run();
    await t.killedAttempt([1, 2, 3, 4, 5].map(ref), 4);
    // Four token jobs finished and no more are coming: the report job still waits on the gate.
    expect(await t.reportState()).toBe('waiting-children');
    expect(await t.queues.fanOutState('r1')).toEqual({
      state: 'adding',
      startedAt: new Date('2026-12-05T03:00:00Z'),
      evaluatedAt: new Date('2026-12-05T03:00:00Z'),
    });
  });

  it('a retry after a crash between chunks adds only what is missing: every token runs once and the report starts', async () => {
    const t = setUp('retry', new Set([2]));
    void t.worker.run();
    // The first chunk's jobs are over before the crash: token 1 processed (its job removed), 2 failed for good.
    await t.killedAttempt([1, 2, 3, 4, 5].map(ref), 2);
    expect(await t.reportState()).toBe('waiting-children');

    // The retried run job enumerates again: the same tokens, plus one new since, in another order.
    await t.queues.addRunFlow(t.run([6, 5, 4, 3, 2, 1].map(ref)));
    await until(async () => (await t.reportState()) === 'waiting', 10_000, 'the report job to start');
    expect(Object.fromEntries(t.ran)).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1 });
    expect(await t.processed()).toEqual([1, 3, 4, 5, 6].map((id) => `${t.prefix}:${TOKENS_QUEUE}:token-r1-456-${id}`).sort());
    expect(await t.queues.fanOutState('r1')).toEqual({ state: 'done' });
  });

  it('a retry while the first chunk still waits for a worker adds no job twice', async () => {
    const t = setUp('pending');
    await expect(
      t.queues.addRunFlow(t.run([1, 2, 3].map(ref)), {
        afterChunk: () => Promise.reject(new Error('killed between chunks')),
      }),
    ).rejects.toThrow('killed between chunks');
    await t.queues.addRunFlow(t.run([1, 2, 3].map(ref)));
    void t.worker.run();
    await until(async () => (await t.reportState()) === 'waiting', 10_000, 'the report job to start');
    expect(Object.fromEntries(t.ran)).toEqual({ 1: 1, 2: 1, 3: 1 });
  });

  it('a run with no token starts its report at once', async () => {
    const t = setUp('empty');
    await t.queues.addRunFlow(t.run([]));
    expect(await t.reportState()).toBe('waiting');
    expect(await t.queues.fanOutState('r1')).toEqual({ state: 'done' });
  });
});
