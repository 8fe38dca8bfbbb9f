import { describe, expect, it } from '@jest/globals';
import { Queue, type Job } from 'bullmq';
import { StateConflictError } from '../../src/core/errors.js';
import { createAuditQueues } from '../../src/store/audit-queues.js';
import { GATES_QUEUE, RUNS_QUEUE, SCHEDULER_ID, SWEEP_SCHEDULER_ID, TOKENS_QUEUE, gateJobId, reportJobId, tokenJobId } from '../../src/store/job-catalogue.js';
import { closeAfterAll, testRedis } from '../support/store-fixtures.js';
import { tokenRef } from '../support/tokens.js';

// What the queues add, read back from Redis with BullMQ's own Queue: the job names, data and options every
// worker relies on (attempts, back-off, what is kept), in process so that a change to them is seen here.
const { redis, prefix: base } = testRedis();
const closers = closeAfterAll(redis);

let n = 0;
function setUp(options: Parameters<typeof createAuditQueues>[2] = {}) {
  const prefix = `${base}-q${(n += 1)}`;
  const queues = createAuditQueues(redis, prefix, options);
  const runs = new Queue<Record<string, unknown>>(RUNS_QUEUE, { connection: redis, prefix });
  const gates = new Queue(GATES_QUEUE, { connection: redis, prefix });
  closers.push(() => queues.close(), () => runs.close(), () => gates.close());
  return { queues, runs, gates, prefix };
}
const KEEP = { removeOnComplete: true, removeOnFail: { count: 500 } };
const AT = new Date('2026-12-05T03:00:00.000Z');
const head = { runKey: 'r1', trigger: 'schedule' as const, startedAt: AT, evaluatedAt: new Date('2026-12-05T03:00:01.000Z') };

describe('the audit queues (real Redis)', () => {
  it('declares the schedule with its cron and time zone: a run job of three attempts, nothing kept once done', async () => {
    const { queues, runs } = setUp();
    await queues.declareSchedule({ cron: '0 3 * * *', timezone: 'Europe/Luxembourg' });
    const s = await runs.getJobScheduler(SCHEDULER_ID);
    expect(s).toMatchObject({ pattern: '0 3 * * *', tz: 'Europe/Luxembourg', name: 'run' });
    expect(s?.template).toEqual({ data: { trigger: 'schedule' }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP } });
  });

  it("declares the sentinel's sweeps every everySeconds, one attempt each; off, removes them", async () => {
    const { queues, runs } = setUp();
    await queues.declareSweeps({ everySeconds: 90, minSeverity: 'high' });
    const s = await runs.getJobScheduler(SWEEP_SCHEDULER_ID);
    expect(s).toMatchObject({ every: 90_000, name: 'sweep' });
    expect(s?.template?.opts).toEqual({ attempts: 1, ...KEEP });
    expect(s?.template?.data ?? {}).toEqual({}); // BullMQ keeps no empty data
    await queues.declareSweeps(null);
    expect(await runs.getJobScheduler(SWEEP_SCHEDULER_ID)).toBeUndefined();
  });

  it("limits the token jobs' concurrency across replicas", async () => {
    const { queues } = setUp();
    await queues.limitTokens(7);
    expect(await queues.tokens.getGlobalConcurrency()).toBe(7);
  });

  it('triggers a manual run (its key from its job id) and asks for a delivery, each retried with a back-off', async () => {
    const { queues, runs } = setUp();
    const runKey = await queues.triggerRun();
    expect(runKey).toMatch(/^manual-[0-9a-f-]{36}$/);
    const run = await runs.getJob(runKey);
    expect(run?.name).toBe('run');
    expect(run?.data).toEqual({ trigger: 'manual' });
    expect(run?.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP });
    await queues.requestDelivery();
    const deliver = (await runs.getJobs(['waiting'])).find((j) => j.name === 'deliver');
    expect(deliver?.id).toMatch(/^deliver-[0-9a-f-]{36}$/);
    expect(deliver?.data).toEqual({});
    expect(deliver?.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 2_000 }, ...KEEP });
  });

  it("adds a heartbeat job per replica and slot, kept neither done nor failed", async () => {
    const { queues, runs } = setUp();
    await queues.addHeartbeat('replica-a', 12);
    const hb = await runs.getJob('hb-replica-a-12');
    expect(hb?.name).toBe('heartbeat');
    expect(hb?.data).toEqual({ replica: 'replica-a' });
    expect(hb?.opts).toMatchObject({ removeOnComplete: true, removeOnFail: true });
  });

  it('opens a run: a report job held by its gate, with its times and eight attempts; opened again, nothing changes', async () => {
    const { queues, runs, gates } = setUp({ reportBackoffMs: 123 });
    expect(await queues.fanOutState('r1')).toEqual({ state: 'none' });
    await queues.openRunFlow(head);
    const report = await runs.getJob(reportJobId('r1'));
    expect(report?.name).toBe('report');
    expect(report?.data).toEqual({ runKey: 'r1', trigger: 'schedule', startedAt: AT.toISOString(), evaluatedAt: '2026-12-05T03:00:01.000Z', accounts: [] });
    expect(report?.opts).toMatchObject({ attempts: 8, backoff: { type: 'exponential', delay: 123 }, ...KEEP });
    expect(await runs.getJobState(reportJobId('r1'))).toBe('waiting-children');
    const gate = await gates.getJob(gateJobId('r1'));
    expect(gate?.name).toBe('gate');
    expect(gate?.data).toEqual({ runKey: 'r1' });
    expect(await queues.fanOutState('r1')).toEqual({ state: 'adding', startedAt: AT, evaluatedAt: new Date('2026-12-05T03:00:01.000Z') });

    await queues.openRunFlow({ ...head, startedAt: new Date(0) });
    expect((await runs.getJob(reportJobId('r1')))?.data.startedAt).toBe(AT.toISOString());
  });

  it('the report back-off is 5 s unless told', async () => {
    const { queues, runs } = setUp();
    await queues.openRunFlow(head);
    expect((await runs.getJob(reportJobId('r1')))?.opts.backoff).toEqual({ type: 'exponential', delay: 5_000 });
  });

  it("adds token jobs as the report's children, each once, three attempts, a failure not blocking the report; counts them", async () => {
    const { queues, runs } = setUp({ fanOutChunk: 2 });
    await queues.openRunFlow(head);
    const refs = [1, 2, 3].map((id) => tokenRef(456, id));
    const chunks: [number, number][] = [];
    expect(await queues.addTokenJobs(head, refs, { afterChunk: (added, total) => (chunks.push([added, total]), Promise.resolve()) })).toBe(3);
    expect(chunks).toEqual([[2, 3], [3, 3]]);
    const job = (await queues.tokens.getJob(tokenJobId('r1', refs[0]!))) as Job | undefined;
    expect(job?.name).toBe('token');
    expect(job?.data).toEqual({ runKey: 'r1', evaluatedAt: '2026-12-05T03:00:01.000Z', ref: JSON.parse(JSON.stringify(refs[0])) as unknown });
    expect(job?.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ignoreDependencyOnFailure: true, ...KEEP });
    expect(job?.parentKey).toBe(`${base}-q${n}:${RUNS_QUEUE}:${reportJobId('r1')}`);
    // Again, with one more: only the new one is added.
    expect(await queues.addTokenJobs(head, [...refs, tokenRef(456, 4)])).toBe(1);
    const deps = await (await runs.getJob(reportJobId('r1')))!.getDependenciesCount();
    expect(deps.unprocessed).toBe(5); // four token jobs and the gate
  });

  it("closes a run: its accounts (and the listed ones, when given) in the report's data, the gate gone, the report free", async () => {
    const { queues, runs } = setUp();
    await queues.openRunFlow(head);
    const accounts = [{ clientId: 456, label: 'account 456', error: null, name: null }];
    await queues.closeRunFlow('r1', { accounts, listed: [456] });
    expect((await runs.getJob(reportJobId('r1')))?.data).toMatchObject({ accounts, listed: [456] });
    expect(await runs.getJobState(reportJobId('r1'))).toBe('waiting');
    expect(await queues.fanOutState('r1')).toEqual({ state: 'done' });
    // A retried run job opens it again: the report is not held back by a new gate.
    await queues.openRunFlow(head);
    expect(await queues.fanOutState('r1')).toEqual({ state: 'done' });
    expect(await runs.getJobState(reportJobId('r1'))).toBe('waiting');

    const other = setUp();
    await other.queues.openRunFlow(head);
    await other.queues.closeRunFlow('r1', { accounts: [] });
    expect(Object.keys((await other.runs.getJob(reportJobId('r1')))?.data ?? {})).not.toContain('listed');
  });

  it('a token job the report already counts as processed or failed is not added again (its job is gone once done)', async () => {
    const { queues, prefix } = setUp();
    await queues.openRunFlow(head);
    const refs = [1, 2, 3].map((id) => tokenRef(456, id));
    const key = (i: number) => `${prefix}:${TOKENS_QUEUE}:${tokenJobId('r1', refs[i]!)}`;
    const parentKey = `${prefix}:${RUNS_QUEUE}:${reportJobId('r1')}`;
    // As BullMQ leaves it once the first finished and the second failed for good, each job removed.
    await redis.hset(`${parentKey}:processed`, key(0), '{}');
    await redis.hset(`${parentKey}:failed`, key(1), 'gone');
    expect(await queues.addTokenJobs(head, refs)).toBe(1);
    expect(await queues.tokens.getJob(tokenJobId('r1', refs[0]!))).toBeUndefined();
    expect(await queues.tokens.getJob(tokenJobId('r1', refs[1]!))).toBeUndefined();
    expect((await queues.tokens.getJob(tokenJobId('r1', refs[2]!)))?.name).toBe('token');
  });

  it("the children read fails: Redis's error, no token job added", async () => {
    const { queues, prefix } = setUp();
    await queues.openRunFlow(head);
    await redis.set(`${prefix}:${RUNS_QUEUE}:${reportJobId('r1')}:processed`, 'not a hash');
    await expect(queues.addTokenJobs(head, [tokenRef(456, 1)])).rejects.toThrow(/^WRONGTYPE/);
    expect(await queues.tokens.getJob(tokenJobId('r1', tokenRef(456, 1)))).toBeUndefined();
  });

  it('a run whose report job was removed meanwhile cannot be closed: a state conflict, so the retry starts afresh', async () => {
    const { queues } = setUp();
    await expect(queues.closeRunFlow('gone', { accounts: [] })).rejects.toThrow(
      new StateConflictError('the report job of gone is gone: it was removed while its run was being fanned out'),
    );
    await expect(queues.closeRunFlow('gone', { accounts: [] })).rejects.toBeInstanceOf(StateConflictError);
  });

  it('close() closes every queue it opened', async () => {
    const { queues } = setUp();
    expect([queues.runs.closing, queues.tokens.closing]).toEqual([undefined, undefined]);
    await queues.close();
    expect(queues.runs.closing).toBeInstanceOf(Promise);
    expect(queues.tokens.closing).toBeInstanceOf(Promise);
  });

  it("hands the queues' errors to onError; keeps their event streams short", () => {
    const errors: string[] = [];
    const { queues } = setUp({ onError: (e) => errors.push(e.message) });
    queues.runs.emit('error', new Error('runs down'));
    queues.tokens.emit('error', new Error('tokens down'));
    expect(errors).toEqual(['runs down', 'tokens down']);
    expect(queues.runs.opts.streams?.events?.maxLen).toBe(1000);
    expect(queues.tokens.opts.streams?.events?.maxLen).toBe(100);
    expect(TOKENS_QUEUE).toBe(queues.tokens.name);
  });
});
