import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { StateConflictError } from '../../src/core/errors.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { createRunStore } from '../../src/store/run-store.js';
import { DEFAULT_ROUTE } from '../../src/store/store-keys.js';
import { finding } from '../support/findings.js';
import { commitOf, reportOf, stateOf, testRedis } from '../support/store-fixtures.js';
import type { RuleId } from '../../src/core/rule-catalog.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
let n = 0;
const fresh = () => `${base}-${(n += 1)}`;

describe('commit of a run (real Redis)', () => {
  it('documents its KEYS and ARGV and takes the variable parts as one JSON argument', () => {
    const lua = readFileSync('src/store/lua/commit-run.lua', 'utf8');
    expect(lua).toMatch(/KEYS\[1\] run record/);
    expect(lua).toMatch(/ARGV\[1\] JSON/);
    expect(lua).toContain('cjson.decode(ARGV[1])');
    expect(lua).not.toMatch(/ARGV\[2\]/);
  });

  it('writes states, report, digest and counts together; a retry commits nothing twice', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const states = createAlertStateStore(redis, prefix);
    const runs = createRunStore(redis, prefix);
    const f = finding(101);
    const input = commitOf('r1', {
      upserts: [stateOf(f)],
      report: reportOf('r1', [f]),
      digests: [{ route: DEFAULT_ROUTE, messages: [{ text: 'hello', blocks: [] }] }],
      openCounts: new Map([['stale|medium', 1]]),
    });
    expect(await committer.commitRun(input)).toBe('committed');
    expect(await committer.commitRun({ ...input, version: 1 })).toBe('already-committed');
    const loaded = await states.load();
    expect(loaded.version).toBe(1);
    expect([...loaded.states.keys()]).toEqual([stateOf(f).key]);
    expect((await runs.getRun('r1'))?.delivery).toBe('pending');
    expect(await redis.lrange(`${prefix}:alerts:outbox`, 0, -1)).toEqual(['r1']);
    expect(await states.openCounts()).toEqual(new Map([['stale|medium', 1]]));
    expect(await runs.lastSuccess()).toBeNull(); // a digest to deliver: not a success yet
    expect(await redis.keys(`${prefix}:alerts:stage*`)).toEqual([]);
  });

  it('refuses a commit planned from a state another run has committed since, and writes nothing', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const states = createAlertStateStore(redis, prefix);
    const f = finding(101);
    const g = finding(102);
    expect(await committer.commitRun(commitOf('a', { upserts: [stateOf(f)] }))).toBe('committed');
    await expect(committer.commitRun(commitOf('b', { version: 0, upserts: [stateOf(g)], digests: [{ route: DEFAULT_ROUTE, messages: [{ text: 'x', blocks: [] }] }] }))).rejects.toBeInstanceOf(StateConflictError);
    const loaded = await states.load();
    expect([...loaded.states.keys()]).toEqual([stateOf(f).key]);
    expect(loaded.version).toBe(1);
    expect(await redis.exists(`${prefix}:alerts:run:b`, `${prefix}:alerts:outbox`)).toBe(0);
    expect(await redis.keys(`${prefix}:alerts:stage*`)).toEqual([]);
    expect(await committer.commitRun(commitOf('b', { version: 1, upserts: [stateOf(g)] }))).toBe('committed');
  });

  it('commits 100,000 findings (one account of 25,000 tokens) and resolves them all in a later run', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const states = createAlertStateStore(redis, prefix);
    const rules: RuleId[] = ['never-expiring', 'stale', 'never-used', 'not-in-inventory'];
    const upserts = [];
    for (let t = 1; t <= 25_000; t += 1) {
      for (const rule of rules) {
        upserts.push(stateOf(finding(t, rule)));
      }
    }
    const findings = upserts.map((s) => s.finding);
    expect(await committer.commitRun(commitOf('big', { upserts, report: reportOf('big', findings) }))).toBe('committed');
    const loaded = await states.load();
    expect(loaded.states.size).toBe(100_000);
    expect((await states.knownTokens()).length).toBe(25_000);
    expect((await createRunStore(redis, prefix).getRun('big'))?.report.findings.length).toBe(100_000);

    const resolvedIds = upserts.map((s) => s.key);
    expect(await committer.commitRun(commitOf('after', { version: 1, resolvedIds }))).toBe('committed');
    expect((await states.load()).states.size).toBe(0);
    await redis.del(`${prefix}:alerts:run:big`, `${prefix}:alerts:run:after`);
  });

  it('moves the last success at commit when the run has nothing to send', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const runs = createRunStore(redis, prefix);
    await committer.commitRun(commitOf('quiet'));
    expect(await runs.lastSuccess()).toBe(Date.parse('2026-11-29T12:00:00.000Z'));
    expect((await runs.getRun('quiet'))?.delivery).toBe('nothing-to-send');
  });

  it('indexes each committed run by start and keeps in the index only the runs of the last day', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const at = (iso: string) => ({ report: { ...reportOf(iso), startedAt: iso }, now: new Date(iso) });
    expect(await committer.commitRun(commitOf('old', { ...at('2026-11-28T11:00:00.000Z') }))).toBe('committed');
    expect(await committer.commitRun(commitOf('day', { version: 1, ...at('2026-11-28T12:30:00.000Z') }))).toBe('committed');
    expect(await redis.zrange(`${prefix}:alerts:runs`, 0, -1, 'WITHSCORES')).toEqual([
      'old', String(Date.parse('2026-11-28T11:00:00.000Z')),
      'day', String(Date.parse('2026-11-28T12:30:00.000Z')),
    ]);
    // A day after 'old' started, its record is gone: the next commit drops it from the index.
    const input = commitOf('now', { version: 2, trigger: 'manual', counts: { new: 1, resolved: 2, open: 3 }, ...at('2026-11-29T12:00:00.000Z') });
    expect(await committer.commitRun(input)).toBe('committed');
    expect(await committer.commitRun({ ...input, version: 3 })).toBe('already-committed');
    expect(await redis.zrange(`${prefix}:alerts:runs`, 0, -1)).toEqual(['day', 'now']);
    const ttl = await redis.ttl(`${prefix}:alerts:runs`);
    expect(ttl).toBeGreaterThan(86_000);
    expect(await redis.hmget(`${prefix}:alerts:run:now`, 'trigger', 'counts', 'routes')).toEqual(['manual', '{"new":1,"resolved":2,"open":3}', '[]']);
  });

  it('keeps at most `keep` runs: the oldest beyond go with their records, their undelivered digests stay in the outbox', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const at = (i: number) => {
      const iso = new Date(Date.parse('2026-11-29T00:00:00.000Z') + i * 60_000).toISOString();
      return { report: { ...reportOf(`r${i}`), startedAt: iso }, now: new Date(iso) };
    };
    const digest = [{ route: DEFAULT_ROUTE, messages: [{ text: 'x', blocks: [] }] }];
    for (let i = 1; i <= 150; i += 1) {
      // The first run's digest is never delivered: its record goes, its digest must not.
      const outcome = await committer.commitRun(commitOf(`r${i}`, { version: i - 1, keep: 5, digests: i === 1 ? digest : [], ...at(i) }));
      expect(outcome).toBe('committed');
    }
    expect(await redis.zrange(`${prefix}:alerts:runs`, 0, -1)).toEqual(['r146', 'r147', 'r148', 'r149', 'r150']);
    expect((await redis.keys(`${prefix}:alerts:run:*`)).sort()).toEqual(['r146', 'r147', 'r148', 'r149', 'r150'].map((r) => `${prefix}:alerts:run:${r}`));
    expect(await redis.exists(`${prefix}:alerts:run-pending:r1`)).toBe(0);
    expect(await redis.lrange(`${prefix}:alerts:outbox`, 0, -1)).toEqual(['r1']);
    expect(await redis.hget(`${prefix}:alerts:digest:r1`, 'messages')).toContain('"x"');
  });

  it('never drops the run it commits, even when `keep` newer runs were committed before it', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const started = (iso: string) => ({ report: { ...reportOf(iso), startedAt: iso } });
    await committer.commitRun(commitOf('new1', { keep: 2, ...started('2026-11-29T11:00:00.000Z') }));
    await committer.commitRun(commitOf('new2', { version: 1, keep: 2, ...started('2026-11-29T11:30:00.000Z') }));
    await committer.commitRun(commitOf('late', { version: 2, keep: 2, ...started('2026-11-29T10:00:00.000Z') }));
    expect(await redis.zrange(`${prefix}:alerts:runs`, 0, -1)).toEqual(['late', 'new2']);
    expect(await redis.exists(`${prefix}:alerts:run:late`, `${prefix}:alerts:run:new1`)).toBe(1);
  });

  it("applies the sentinel's seen changes with the commit: read ids added, gone ids removed, the account recorded", async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const seenKey = (c: number) => `${prefix}:sentinel:seen:${c}`;
    await redis.sadd(seenKey(456), '0', '101', '102', '103');
    const seen = new Map([
      [456, { present: [101, 104], gone: [103] }],
      [789, { present: [], gone: [] }],
    ]);
    // Refused: nothing of it is applied.
    await redis.set(`${prefix}:alerts:version`, '1');
    await expect(committer.commitRun(commitOf('a', { seen }))).rejects.toBeInstanceOf(StateConflictError);
    expect((await redis.smembers(seenKey(456))).sort()).toEqual(['0', '101', '102', '103']);
    expect(await redis.exists(seenKey(789))).toBe(0);

    expect(await committer.commitRun(commitOf('a', { version: 1, seen }))).toBe('committed');
    expect((await redis.smembers(seenKey(456))).sort()).toEqual(['0', '101', '102', '104']);
    expect(await redis.smembers(seenKey(789))).toEqual(['0']);
  });

  it('stages each change as commit-run.lua reads it: a state as its JSON, a deletion and a seen change by name alone', async () => {
    const prefix = fresh();
    // The staged changes as the script finds them, read just before it runs.
    let staged: Record<string, string> = {};
    const peeking = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop !== 'call') {
          return Reflect.get(target, prop, receiver) as unknown;
        }
        return async (...args: Parameters<typeof target.call>) => {
          const [key] = await target.keys(`${prefix}:alerts:stage:*`);
          staged = key === undefined ? {} : await target.hgetall(key);
          return target.call(...args);
        };
      },
    });
    const state = stateOf(finding(101));
    const input = commitOf('r1', { upserts: [state], resolvedIds: ['gone-id'], seen: new Map([[456, { present: [7], gone: [8] }]]) });
    expect(await createRunCommitter(peeking, prefix).commitRun(input)).toBe('committed');
    // Empty values: an estate's worth of seen ids stages its names and nothing more.
    expect(staged).toEqual({ [`u:${state.key}`]: JSON.stringify(state), 'd:gone-id': '', 's:1:7': '', 'g:1:8': '' });
  });

  it('stages seen ids in chunks like the states: 30,000 ids of one account land whole', async () => {
    const prefix = fresh();
    const ids = Array.from({ length: 30_000 }, (_, i) => i + 1);
    expect(await createRunCommitter(redis, prefix).commitRun(commitOf('big', { seen: new Map([[456, { present: ids, gone: [] }]]) }))).toBe('committed');
    expect(await redis.scard(`${prefix}:sentinel:seen:456`)).toBe(30_001);
    expect(await redis.keys(`${prefix}:alerts:stage*`)).toEqual([]);
  });

  it('writes neither the index nor the record when the commit is refused', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    await committer.commitRun(commitOf('a'));
    await expect(committer.commitRun(commitOf('b'))).rejects.toBeInstanceOf(StateConflictError);
    expect(await redis.zrange(`${prefix}:alerts:runs`, 0, -1)).toEqual(['a']);
    expect(await redis.exists(`${prefix}:alerts:run:b`)).toBe(0);
  });

  it('commits nothing when part of the staged report is lost (the staging expired between its writes)', async () => {
    const prefix = fresh();
    // The staged record expires just before the report's last fields are written: its slices are gone.
    const lossy = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop !== 'multi') {
          return Reflect.get(target, prop, receiver) as unknown;
        }
        return () => {
          const m = target.multi();
          const hset = m.hset.bind(m);
          m.hset = (key: string, ...rest: unknown[]) => {
            if (rest[0] === 'report:shell') {
              m.del(key);
            }
            return (hset as (...a: unknown[]) => typeof m)(key, ...rest);
          };
          return m;
        };
      },
    });
    const report = reportOf('lost', Array.from({ length: 1_500 }, (_, i) => finding(i + 1)));
    await expect(createRunCommitter(lossy, prefix).commitRun(commitOf('lost', { report }))).rejects.toThrow('the staged commit of run lost was incomplete');
    expect(await redis.exists(`${prefix}:alerts:run:lost`)).toBe(0);
    expect(await redis.get(`${prefix}:alerts:version`)).toBeNull();
    // What was staged is dropped at once, not left to expire (the script leaves an incomplete staging as it is).
    expect(await redis.keys(`${prefix}:alerts:stage*`)).toEqual([]);
  });

  it('commits what was staged ahead (states, and findings before the report\'s own) with the rest, and counts what it staged', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const states = createAlertStateStore(redis, prefix);
    const stage = committer.openStage('r1');
    expect(stage.run).toBe('r1');
    expect([stage.staged(), stage.slices()]).toEqual([0, 0]);
    const early = Array.from({ length: 2_100 }, (_, i) => finding(i + 1));
    await stage.add(early.map((f) => stateOf(f)));
    await stage.add([stateOf(early[0] ?? finding(1))]); // the same state again: one field
    await stage.addFindings(early.slice(0, 1_500));
    await stage.addFindings(early.slice(1_500));
    expect([stage.staged(), stage.slices()]).toEqual([2_100, 3]);
    // Both of the attempt's keys (states, report) expire if it is never committed.
    const staged = await redis.keys(`${prefix}:alerts:stage*`);
    expect(staged).toHaveLength(2);
    for (const key of staged) {
      expect(key).toContain(stage.attempt);
      expect(await redis.ttl(key)).toBeGreaterThan(3_500);
      expect(await redis.ttl(key)).toBeLessThanOrEqual(3_600);
    }
    const last = finding(3_000);
    const input = commitOf('r1', { stage, upserts: [stateOf(last)], report: reportOf('r1', [last]) });
    expect(await committer.commitRun(input)).toBe('committed');
    expect((await states.load()).states.size).toBe(2_101);
    const report = await createRunStore(redis, prefix).getRun('r1');
    expect(report?.report.findings.map((f) => f.tokenId)).toEqual([...early, last].map((f) => f.tokenId));
    expect(await redis.keys(`${prefix}:alerts:stage*`)).toEqual([]);
  });

  it('refuses the staging of another run, naming both, and writes nothing; a discarded staging is gone', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const stage = committer.openStage('other');
    await stage.add([stateOf(finding(1))]);
    await stage.addFindings([finding(1)]);
    await expect(committer.commitRun(commitOf('r1', { stage }))).rejects.toThrow('the staging of run other cannot commit run r1');
    expect(await redis.exists(`${prefix}:alerts:run:r1`, `${prefix}:alerts:version`)).toBe(0);
    expect((await redis.keys(`${prefix}:alerts:stage*`)).length).toBe(2);
    await stage.discard();
    expect(await redis.keys(`${prefix}:alerts:stage*`)).toEqual([]);
    expect(committer.openStage('other').attempt).not.toBe(stage.attempt);
  });

  it('stages a thousand fields a round trip, and a staging write Redis refuses is an error, never a short count', async () => {
    const prefix = fresh();
    let multis = 0;
    const counting = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop === 'multi') {
          multis += 1;
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const committer = createRunCommitter(counting, prefix);
    await committer.commitRun(commitOf('none'));
    const without = multis;
    multis = 0;
    const upserts = Array.from({ length: 2_500 }, (_, i) => stateOf(finding(i + 1)));
    expect(await committer.commitRun(commitOf('more', { version: 1, upserts }))).toBe('committed');
    expect(multis - without).toBe(3); // 2,500 fields: two whole chunks and a last part
    multis = 0;
    expect(await committer.commitRun(commitOf('exact', { version: 2, upserts: upserts.slice(0, 2_000) }))).toBe('committed');
    expect(multis - without).toBe(2); // two whole chunks, no empty third

    const stage = committer.openStage('r1');
    await redis.set(`${prefix}:alerts:stage:r1:${stage.attempt}`, 'not a hash');
    await expect(stage.add([stateOf(finding(1))])).rejects.toThrow('WRONGTYPE');
    expect(stage.staged()).toBe(0);
  });
});
