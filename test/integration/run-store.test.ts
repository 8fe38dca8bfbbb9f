import { afterAll, describe, expect, it } from '@jest/globals';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createRunStore } from '../../src/store/run-store.js';
import { DEFAULT_ROUTE, storeKeys } from '../../src/store/store-keys.js';
import { historyEntry } from '../../src/core/run-history.js';
import { finding } from '../support/findings.js';
import { commitOf, reportOf, testRedis } from '../support/store-fixtures.js';

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

describe('run store (real Redis)', () => {
  it('keeps each run its report and delivery for a day, and announces its end', async () => {
    const runs = createRunStore(redis, prefix);
    expect(await runs.getRun('r1')).toBeNull();
    expect(await runs.isCommitted('r1')).toBe(false);
    await createRunCommitter(redis, prefix).commitRun(
      commitOf('r1', { report: reportOf('r1', [finding(101)]), digests: [{ route: DEFAULT_ROUTE, messages: [{ text: 'x', blocks: [] }] }] }),
    );
    expect(await runs.isCommitted('r1')).toBe(true);
    expect(await runs.getRun('r1')).toMatchObject({ report: reportOf('r1', [finding(101)]), delivery: 'pending' });
    const ttl = await redis.ttl(`${prefix}:alerts:run:r1`);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);

    await runs.setDelivery('r1', 'failed');
    expect((await runs.getRun('r1'))?.delivery).toBe('failed');
    await runs.setDelivery('gone', 'failed'); // an expired record is not recreated without its report
    expect(await redis.exists(`${prefix}:alerts:run:gone`)).toBe(0);

    const sub = redis.duplicate();
    try {
      const heard = new Promise<string>((resolve) => sub.on('message', (_c, m: string) => resolve(m)));
      await sub.subscribe(runs.doneChannel);
      await runs.announceDone('r1');
      expect(await heard).toBe('r1');
    } finally {
      sub.disconnect();
    }
  });

  it('tells each route\'s delivery: messages posted, pending or failed with the reason, then delivered', async () => {
    const p = `${prefix}-routes`;
    const runs = createRunStore(redis, p);
    const outbox = createOutboxStore(redis, p);
    const three = [1, 2, 3].map((i) => ({ text: `m${i}`, blocks: [] }));
    await createRunCommitter(redis, p).commitRun(
      commitOf('r2', {
        trigger: 'manual',
        counts: { new: 3, resolved: 1, open: 4 },
        digests: [
          { route: DEFAULT_ROUTE, messages: three },
          { route: 'oncall', messages: three.slice(0, 1) },
        ],
      }),
    );
    const head = { runId: 'r2', trigger: 'manual', counts: { new: 3, resolved: 1, open: 4 }, startedAt: '2026-11-29T12:00:00.000Z', finishedAt: '2026-11-29T12:00:01.000Z' };
    expect(await runs.getRun('r2')).toMatchObject({
      ...head,
      delivery: 'pending',
      routes: [
        { route: DEFAULT_ROUTE, messages: 3, posted: 0, state: 'pending', error: null },
        { route: 'oncall', messages: 1, posted: 0, state: 'pending', error: null },
      ],
    });

    await outbox.markDelivered('r2', DEFAULT_ROUTE, 1);
    await runs.setDelivery('r2', 'pending', { name: DEFAULT_ROUTE, reason: 'Slack answered HTTP 503' });
    await outbox.completeDigest('r2', 'oncall');
    expect((await runs.listRuns(5)).map(({ summary: _summary, ...rest }) => rest)).toEqual([
      {
        ...head,
        delivery: 'pending',
        routes: [
          { route: DEFAULT_ROUTE, messages: 3, posted: 2, state: 'pending', error: 'Slack answered HTTP 503' },
          { route: 'oncall', messages: 1, posted: 1, state: 'delivered', error: null },
        ],
      },
    ]);
    await runs.setDelivery('r2', 'failed', { name: DEFAULT_ROUTE, reason: 'Slack refused the message: invalid_payload' });
    expect((await runs.getRun('r2'))?.routes[0]).toEqual({ route: DEFAULT_ROUTE, messages: 3, posted: 2, state: 'failed', error: 'Slack refused the message: invalid_payload' });

    await outbox.completeDigest('r2', DEFAULT_ROUTE);
    expect(await runs.getRun('r2')).toMatchObject({
      delivery: 'delivered',
      routes: [
        { route: DEFAULT_ROUTE, messages: 3, posted: 3, state: 'delivered', error: null },
        { route: 'oncall', messages: 1, posted: 1, state: 'delivered', error: null },
      ],
    });
  });

  it('lists the newest runs first, up to the limit, skipping those whose record expired; last is the newest kept', async () => {
    const p = `${prefix}-list`;
    const runs = createRunStore(redis, p);
    const committer = createRunCommitter(redis, p);
    expect(await runs.listRuns(20)).toEqual([]);
    expect(await runs.lastRun()).toBeNull();
    let version = 0;
    for (const [run, minute] of [['a', 1], ['c', 3], ['b', 2]] as const) {
      const report = { ...reportOf(run), startedAt: `2026-11-29T12:0${minute}:00.000Z` };
      await committer.commitRun(commitOf(run, { version, report, now: new Date(`2026-11-29T12:0${minute}:30.000Z`) }));
      version += 1;
    }
    expect((await runs.listRuns(20)).map((r) => [r.runId, r.routes, r.delivery])).toEqual([
      ['c', [], 'nothing-to-send'],
      ['b', [], 'nothing-to-send'],
      ['a', [], 'nothing-to-send'],
    ]);
    expect((await runs.listRuns(2)).map((r) => r.runId)).toEqual(['c', 'b']);
    await redis.del(`${p}:alerts:run:c`); // expired
    expect((await runs.listRuns(2)).map((r) => r.runId)).toEqual(['b', 'a']);
    expect(await runs.lastRun()).toBe('b');
  });

  it('keeps a report in slices of findings, never one text of the whole, and reads it back as written', async () => {
    const p = `${prefix}-slices`;
    const runs = createRunStore(redis, p);
    const report = { ...reportOf('big', Array.from({ length: 2_500 }, (_, i) => finding(i + 1))), keyUserTokens: ['456:1'] };
    await createRunCommitter(redis, p).commitRun(commitOf('big', { report }));
    const record = await redis.hgetall(`${p}:alerts:run:big`);
    expect(record.report).toBeUndefined();
    expect(record['report:chunks']).toBe('3');
    const slices = [0, 1, 2].map((i) => JSON.parse(record[`report:findings:${i}`] ?? 'null') as unknown[]);
    expect(slices.map((slice) => slice.length)).toEqual([1_000, 1_000, 500]);
    expect(JSON.parse(record['report:shell'] ?? 'null')).toEqual({ ...report, findings: [] });
    const read = await runs.getRun('big');
    // Keys in the order written: `report --format json` prints what `audit --format json` did.
    expect(JSON.stringify(read?.report)).toBe(JSON.stringify(report));
    expect(await runs.lastRun()).toBe('big');
  });

  it('reads a record written before the slices (the whole report in one field)', async () => {
    const p = `${prefix}-old`;
    const runs = createRunStore(redis, p);
    const report = reportOf('old', [finding(7), finding(8)]);
    const head = JSON.stringify({ startedAt: report.startedAt, finishedAt: report.finishedAt, summary: report.summary });
    await redis.hset(`${p}:alerts:run:old`, { report: JSON.stringify(report), head, trigger: 'manual', counts: JSON.stringify({ new: 2, resolved: 0, open: 2 }), routes: '[]', delivery: 'nothing-to-send' });
    await redis.zadd(`${p}:alerts:runs`, Date.parse(report.startedAt), 'old');
    expect(await runs.getRun('old')).toMatchObject({ runId: 'old', trigger: 'manual', report, counts: { new: 2, resolved: 0, open: 2 } });
    expect(await runs.lastRun()).toBe('old');
  });

  it('refuses a record that lost a slice of its findings rather than show fewer', async () => {
    const p = `${prefix}-damaged`;
    const runs = createRunStore(redis, p);
    await createRunCommitter(redis, p).commitRun(commitOf('d', { report: reportOf('d', Array.from({ length: 1_001 }, (_, i) => finding(i + 1))) }));
    await redis.hdel(`${p}:alerts:run:d`, 'report:findings:1');
    await expect(runs.getRun('d')).rejects.toThrow('lacks its findings slice 1 of 2');
  });
  it('a route whose digest ended with dead letters is failed, its dead letters not counted as posted; another route of the run delivered', async () => {
    const p = `${prefix}-dead`;
    const runs = createRunStore(redis, p);
    const outbox = createOutboxStore(redis, p);
    const three = [1, 2, 3].map((i) => ({ text: `m${i}`, blocks: [] }));
    await createRunCommitter(redis, p).commitRun(
      commitOf('dl', { digests: [{ route: DEFAULT_ROUTE, messages: three }, { route: 'oncall', messages: three.slice(0, 1) }] }),
    );
    const refusal = { at: new Date('2026-11-29T12:00:02.000Z'), status: 400, answer: 'invalid_blocks' };
    expect(await outbox.deadLetter('dl', DEFAULT_ROUTE, 1, refusal, { text: 'm2', blocks: [] })).not.toBeNull();
    await outbox.completeDigest('dl', DEFAULT_ROUTE);
    await outbox.completeDigest('dl', 'oncall');
    expect(await runs.getRun('dl')).toMatchObject({
      delivery: 'failed',
      routes: [
        { route: DEFAULT_ROUTE, messages: 3, posted: 2, state: 'failed', error: '1 refused by Slack for good, kept as dead letters (deliveries dead-letters)' },
        { route: 'oncall', messages: 1, posted: 1, state: 'delivered', error: null },
      ],
    });
  });

  it('tells a sentinel sweep by its stored trigger, and a record written before triggers were kept by its run key; one without routes has none', async () => {
    const p = `${prefix}-triggers`;
    const runs = createRunStore(redis, p);
    const report = reportOf('x');
    const head = JSON.stringify({ startedAt: report.startedAt, finishedAt: report.finishedAt, summary: report.summary });
    // Older records: no trigger field, no routes field.
    for (const [run, fields] of [['sweep-1', { trigger: 'sentinel' }], ['manual-2', {}], ['scheduled-3', {}]] as const) {
      await redis.hset(`${p}:alerts:run:${run}`, { head, delivery: 'nothing-to-send', ...fields });
    }
    await redis.zadd(`${p}:alerts:runs`, 3, 'sweep-1', 2, 'manual-2', 1, 'scheduled-3');
    expect((await runs.listRuns(5)).map((r) => [r.runId, r.trigger, r.routes, r.delivery])).toEqual([
      ['sweep-1', 'sentinel', [], 'nothing-to-send'],
      ['manual-2', 'manual', [], 'nothing-to-send'],
      ['scheduled-3', 'schedule', [], 'nothing-to-send'],
    ]);
  });

  it('the newest run with a report is the last run, however many sweeps without one are newer', async () => {
    const p = `${prefix}-last`;
    const runs = createRunStore(redis, p);
    await createRunCommitter(redis, p).commitRun(commitOf('audited'));
    for (const [i, sweep] of ['s1', 's2', 's3'].entries()) {
      await redis.hset(`${p}:alerts:run:${sweep}`, { trigger: 'sentinel', delivery: 'delivered' });
      await redis.zadd(`${p}:alerts:runs`, Date.parse('2026-11-29T13:00:00.000Z') + i, sweep);
    }
    expect(await runs.lastRun()).toBe('audited');
  });

  it('lists from the history alone the runs whose record is gone: trigger, times, summary, counts, what they queued and what Slack got', async () => {
    const p = `${prefix}-since`;
    const runs = createRunStore(redis, p);
    const keys = storeKeys(p);
    await createRunCommitter(redis, p).commitRun(commitOf('kept', { report: { ...reportOf('kept'), startedAt: '2026-11-29T12:05:00.000Z' } }));
    const entry = (runId: string, trigger: 'schedule' | 'manual' | 'sentinel', minute: number, messages: number) =>
      historyEntry({
        runId,
        trigger,
        startedAt: `2026-11-29T12:0${minute}:00.000Z`,
        finishedAt: `2026-11-29T12:0${minute}:09.000Z`,
        summary: { accounts: 2, tokensAudited: 7 + minute, findings: 5, bySeverity: { info: 0, low: 1, medium: 1, high: 2, critical: 1 }, muted: 1, failed: minute },
        counts: { new: minute, resolved: 2, open: 3 },
        openCounts: new Map(),
        resolvedAges: [],
        oldestOpen: new Map(),
        messages,
      });
    // The commit wrote the history entry of `kept`.
    const entries = [entry('told', 'sentinel', 4, 2), entry('refused', 'manual', 3, 1), entry('queued', 'schedule', 2, 3), entry('quiet', 'schedule', 1, 0)];
    for (const e of entries) {
      await redis.zadd(keys.history, e.s, JSON.stringify(e));
    }
    // `queued` has no word from Slack yet (its commit wrote none here): pending.
    await redis.hset(keys.historySlack, { told: 'delivered', refused: 'failed' });
    const listed = await runs.listSince(new Date('2026-11-29T12:01:00.000Z'));
    expect(listed.map((r) => [r.runId, r.trigger, r.delivery, r.queued])).toEqual([
      ['kept', 'schedule', 'nothing-to-send', undefined], // from its record
      ['told', 'sentinel', 'delivered', 2],
      ['refused', 'manual', 'failed', 1],
      ['queued', 'schedule', 'pending', 3],
      ['quiet', 'schedule', 'nothing-to-send', 0],
    ]);
    expect(listed[1]).toEqual({
      runId: 'told',
      trigger: 'sentinel',
      startedAt: '2026-11-29T12:04:00.000Z',
      finishedAt: '2026-11-29T12:04:09.000Z',
      summary: { accounts: 2, tokensAudited: 11, findings: 5, bySeverity: { info: 0, low: 1, medium: 1, high: 2, critical: 1 }, muted: 1, failed: 4 },
      counts: { new: 4, resolved: 2, open: 3 },
      delivery: 'delivered',
      routes: [],
      queued: 2,
    });
    expect((await runs.listSince(new Date('2026-11-29T12:04:00.000Z'))).map((r) => r.runId)).toEqual(['kept', 'told']);
  });
});
