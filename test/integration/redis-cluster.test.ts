import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Report } from '../../src/core/report.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { stopAll, type Started } from '../support/cleanup.js';
import { commitOf, reportOf } from '../support/store-fixtures.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';
import { healthStatus, runCliProcess, spawnWorker, until } from '../support/worker-process.js';

const TOKENS = 40;

/** Every token read answers after `ms`: a run long enough to move or kill the slot's owner under it. */
function slowTokens(h: Harness, ms: number): void {
  for (let i = 0; i < TOKENS; i += 1) {
    const id = 101 + i;
    h.gcore.scripts.set(`/iam/v2/clients/456/tokens/${id}`, () => ({ status: 200, body: JSON.stringify(gcoreToken(id, { exp_date: null })), delayMs: ms }));
  }
}

const tokenReadsSeen = (h: Harness) => h.gcore.requests.filter((r) => /tokens\/\d+$/.test(r)).length;

/** A harness on the cluster, its prefix hash-tagged, REDIS_CLUSTER_NODES naming `ports` only. */
async function clusterHarness(cluster: RedisCluster, ports: number[]): Promise<Harness> {
  return workerHarness({
    tokens: TOKENS,
    redisUrl: `redis://127.0.0.1:${ports[0]}`,
    prefix: `{t${randomUUID().slice(0, 8)}}`,
    env: { REDIS_CLUSTER_NODES: cluster.nodesEnv(ports) },
  });
}

/** `trigger --wait` as a process: its exit code and report. */
async function triggerWait(h: Harness): Promise<{ code: number | null; report: Report | null; stderr: string }> {
  const run = await runCliProcess(['trigger', '--wait', '--timeout', '90', '--config', h.configPath], h.env);
  return { code: run.code, stderr: run.stderr, report: run.code === 0 ? (JSON.parse(run.stdout) as Report) : null };
}

/** Exactly one digest, with every token's finding new in it once. */
function expectOneDigest(h: Harness): void {
  const accepted = h.slack.accepted();
  expect(accepted).toHaveLength(1);
  expect(accepted[0]?.raw).toContain(`*New* (${TOKENS})`);
}

describe('Redis Cluster', () => {
  const started: Started = { procs: [] };
  afterEach(() => stopAll(started));

  it('QUEUE_PREFIX without a hash tag under a cluster: exit 2, one line saying why', async () => {
    const run = await runCliProcess(['trigger', '--config', 'config/audit.yaml'], { REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: 'audit' });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^gcore-token-audit: QUEUE_PREFIX: under Redis Cluster the prefix needs a hash tag in braces, e\.g\. "\{token-audit\}"/);
  });

  describe('3 masters', () => {
    let cluster: RedisCluster;
    beforeAll(async () => {
      cluster = await startRedisCluster({ masters: 3 });
    });
    afterAll(() => cluster?.stop());

    it('a run completes with REDIS_CLUSTER_NODES naming one node that does not own the slot, and every key is under the tag', async () => {
      const probe = `{t${randomUUID().slice(0, 8)}}`;
      const owner = await cluster.ownerOf(await cluster.slotOf(probe));
      const other = (await cluster.masterPorts()).find((p) => p !== owner)!;
      const h = (started.h = await workerHarness({
        tokens: 5,
        redisUrl: `redis://127.0.0.1:${other}`,
        prefix: probe,
        env: { REDIS_CLUSTER_NODES: cluster.nodesEnv([other]) },
      }));
      const worker = await spawnWorker(h.env, h.configPath);
      started.procs = [worker];
      const run = await triggerWait(h);
      expect(run.code).toBe(0);
      expect(run.report?.summary.tokensAudited).toBe(5);
      expect(h.slack.accepted()).toHaveLength(1);

      // Every key the project wrote is under the prefix, in its slot: BullMQ's and the alert state.
      const keys: string[] = [];
      for (const port of await cluster.masterPorts()) {
        const { Redis } = await import('ioredis');
        const node = new Redis({ port, host: '127.0.0.1' });
        keys.push(...(await node.keys('*')).filter((k) => k.includes(probe.slice(1, -1))));
        await node.quit();
      }
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !k.startsWith(`${probe}:`))).toEqual([]);
      expect(keys.some((k) => k.startsWith(`${probe}:alerts:findings`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${probe}:audit-runs:`))).toBe(true);
    });

    it("a commit drops runs beyond `keep` and applies the sentinel's seen changes on a cluster: every key it names is in the tag's slot", async () => {
      const prefix = `{t${randomUUID().slice(0, 8)}}`;
      const { Cluster } = await import('ioredis');
      const redis = new Cluster([{ host: '127.0.0.1', port: (await cluster.masterPorts())[0]! }], { redisOptions: { maxRetriesPerRequest: null } });
      try {
        const committer = createRunCommitter(redis, prefix);
        const seen = new Map([[456, { present: [101], gone: [102] }]]);
        await redis.sadd(`${prefix}:sentinel:seen:456`, '0', '102');
        for (let i = 1; i <= 3; i += 1) {
          const report = { ...reportOf(`r${i}`), startedAt: new Date(Date.parse('2026-11-29T10:00:00.000Z') + i * 1000).toISOString() };
          expect(await committer.commitRun(commitOf(`r${i}`, { version: i - 1, keep: 2, seen, report }))).toBe('committed');
        }
        expect(await redis.zrange(`${prefix}:alerts:runs`, 0, -1)).toEqual(['r2', 'r3']);
        expect(await redis.exists(`${prefix}:alerts:run:r1`)).toBe(0);
        expect((await redis.smembers(`${prefix}:sentinel:seen:456`)).sort()).toEqual(['0', '101']);
      } finally {
        await redis.quit();
      }
    });

    it("a run completes, nothing lost or posted twice, while the tag's slot migrates to another master mid-run", async () => {
      const masters = await cluster.masterPorts();
      const h = (started.h = await clusterHarness(cluster, masters));
      slowTokens(h, 300);
      const worker = await spawnWorker(h.env, h.configPath);
      started.procs = [worker];
      const slot = await cluster.slotOf(h.prefix);
      const owner = await cluster.ownerOf(slot);
      const target = masters.find((p) => p !== owner)!;

      const run = triggerWait(h);
      await until(() => Promise.resolve(tokenReadsSeen(h) >= 4), 30_000, 'token reads under way');
      await cluster.migrateSlot(slot, target);
      expect(await cluster.ownerOf(slot)).toBe(target);
      expect(tokenReadsSeen(h)).toBeLessThan(TOKENS); // it did move mid-run

      const result = await run;
      expect(result.code).toBe(0);
      expect(result.report?.summary).toMatchObject({ tokensAudited: TOKENS, failed: 0, findings: TOKENS });
      expectOneDigest(h);
      expect(await healthStatus(worker.healthUrl)).toBe(200);
    });
  });

  describe('3 masters and 3 replicas', () => {
    let cluster: RedisCluster;
    beforeAll(async () => {
      cluster = await startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1500 });
    });
    afterAll(() => cluster?.stop());

    it("the slot's master SIGKILLed mid-run: /healthz says 503 until its replica takes over, then 200, and the run completes once", async () => {
      const masters = await cluster.masterPorts();
      const h = (started.h = await clusterHarness(cluster, masters));
      slowTokens(h, 300);
      const worker = await spawnWorker(h.env, h.configPath);
      started.procs = [worker];
      const slot = await cluster.slotOf(h.prefix);
      const owner = await cluster.ownerOf(slot);

      const run = triggerWait(h);
      await until(() => Promise.resolve(tokenReadsSeen(h) >= 4), 30_000, 'token reads under way');
      await cluster.kill(owner);
      await until(async () => (await healthStatus(worker.healthUrl)) === 503, 10_000, '/healthz to say 503 while the slot has no master');
      await cluster.waitOk(slot, owner); // a replica was promoted
      await until(async () => (await healthStatus(worker.healthUrl)) === 200, 30_000, '/healthz to say 200 once the replica took over');

      const result = await run;
      expect(result.code).toBe(0);
      expect(result.report?.summary).toMatchObject({ tokensAudited: TOKENS, failed: 0, findings: TOKENS });
      expectOneDigest(h);
    });
  });
});
