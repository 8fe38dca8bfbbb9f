import type { RedisClient } from '../queue/redis-connection.js';
import type { Report } from '../core/report.js';
import type { SlackMessage } from '../slack/build-digest.js';
import type { AlertPlan, AlertState } from './plan-alerts.js';

/** How the run's digest fared; `trigger --wait` turns it into an exit code. */
export type Delivery = 'nothing-to-send' | 'pending' | 'delivered' | 'failed';

export interface RunRecord {
  readonly report: Report;
  readonly delivery: Delivery;
}

export interface PendingDigest {
  readonly runKey: string;
  readonly messages: SlackMessage[];
  /** Messages Slack already accepted: a resumed delivery starts after them. */
  readonly delivered: number;
}

const RECORD_TTL_SECONDS = 86_400;

// One script, so a run's states, report and digest land together or not at all, and a retried report
// job that finds its run committed plans nothing twice.
const COMMIT_RUN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
local i = 3
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]); i = i + 2 end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HDEL', KEYS[2], ARGV[i]); i = i + 1 end
redis.call('DEL', KEYS[3])
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]); i = i + 2 end
if ARGV[i] ~= '' then
  redis.call('HSET', KEYS[4], 'messages', ARGV[i], 'delivered', 0)
  redis.call('RPUSH', KEYS[5], ARGV[i + 1])
end
redis.call('SET', KEYS[6], ARGV[i + 2])
redis.call('SET', KEYS[7], ARGV[i + 3])
return 1
`;

/**
 * The worker's memory, in Redis beside the queues (same key prefix, so one hash slot under Redis Cluster):
 * - `<prefix>:alerts:findings`: open findings by id, with first seen, last seen, last notified;
 * - `<prefix>:alerts:outbox` and `<prefix>:alerts:digest:<run>`: digests not yet accepted by Slack, in order;
 * - `<prefix>:alerts:run:<run>`: each run's report and delivery, for a day;
 * - `<prefix>:alerts:open-counts`, `<prefix>:alerts:last-success`, `<prefix>:alerts:coverage`: for
 *   /metrics and for telling a new coverage gap from a known one.
 */
export function createAlertStore(redis: RedisClient, prefix: string) {
  const k = (name: string) => `${prefix}:alerts:${name}`;
  const findingsKey = k('findings');
  const outboxKey = k('outbox');
  const countsKey = k('open-counts');
  const lastSuccessKey = k('last-success');
  const coverageKey = k('coverage');
  const runKey = (run: string) => k(`run:${run}`);
  const digestKey = (run: string) => k(`digest:${run}`);
  const doneChannel = k('run-done');

  return {
    doneChannel,

    async loadStates(): Promise<Map<string, AlertState>> {
      const all = await redis.hgetall(findingsKey);
      return new Map(Object.entries(all).map(([id, json]) => [id, JSON.parse(json) as AlertState]));
    },

    async isCommitted(run: string): Promise<boolean> {
      return (await redis.exists(runKey(run))) === 1;
    },

    /** Stores the run atomically; false when it was already stored (a retried report job). */
    async commitRun(
      run: string,
      input: { plan: AlertPlan; report: Report; messages: SlackMessage[]; now: Date; gapKeys: string[] },
    ): Promise<boolean> {
      const { plan, report, messages, now } = input;
      const counts = new Map<string, number>();
      for (const s of plan.open) {
        if (!s.finding.muted) {
          const c = `${s.finding.rule}|${s.finding.severity}`;
          counts.set(c, (counts.get(c) ?? 0) + 1);
        }
      }
      const record: RunRecord = { report, delivery: messages.length > 0 ? 'pending' : 'nothing-to-send' };
      const args: (string | number)[] = [JSON.stringify(record), RECORD_TTL_SECONDS, plan.upserts.length];
      for (const s of plan.upserts) {
        args.push(s.finding.id, JSON.stringify(s));
      }
      args.push(plan.resolvedIds.length, ...plan.resolvedIds, counts.size);
      for (const [c, n] of counts) {
        args.push(c, n);
      }
      args.push(messages.length > 0 ? JSON.stringify(messages) : '', run, now.getTime(), JSON.stringify(input.gapKeys));
      const keys = [runKey(run), findingsKey, countsKey, digestKey(run), outboxKey, lastSuccessKey, coverageKey];
      return (await redis.eval(COMMIT_RUN, keys.length, ...keys, ...args)) === 1;
    },

    async pendingDigests(): Promise<PendingDigest[]> {
      const runs = await redis.lrange(outboxKey, 0, -1);
      const out: PendingDigest[] = [];
      for (const run of runs) {
        const [messages, delivered] = await redis.hmget(digestKey(run), 'messages', 'delivered');
        if (messages) {
          out.push({ runKey: run, messages: JSON.parse(messages) as SlackMessage[], delivered: Number(delivered ?? 0) });
        } else {
          await redis.lrem(outboxKey, 0, run); // a digest already completed by an earlier attempt
        }
      }
      return out;
    },

    async markDelivered(run: string, index: number): Promise<void> {
      await redis.hset(digestKey(run), 'delivered', index + 1);
    },

    async completeDigest(run: string): Promise<void> {
      await redis.multi().del(digestKey(run)).lrem(outboxKey, 0, run).exec();
    },

    async setDelivery(run: string, delivery: Delivery): Promise<void> {
      const json = await redis.get(runKey(run));
      if (json) {
        const record = JSON.parse(json) as RunRecord;
        await redis.set(runKey(run), JSON.stringify({ ...record, delivery }), 'KEEPTTL');
      }
    },

    async getRun(run: string): Promise<RunRecord | null> {
      const json = await redis.get(runKey(run));
      return json ? (JSON.parse(json) as RunRecord) : null;
    },

    async announceDone(run: string): Promise<void> {
      await redis.publish(doneChannel, run);
    },

    /** Runs `fn` holding the outbox lock; false when another replica holds it. */
    async withOutboxLock(ttlMs: number, fn: () => Promise<void>): Promise<boolean> {
      const lock = k('outbox-lock');
      const token = `${process.pid}-${Math.random()}`;
      if ((await redis.set(lock, token, 'PX', ttlMs, 'NX')) !== 'OK') {
        return false;
      }
      try {
        await fn();
      } finally {
        // release only our own lock
        await redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, lock, token);
      }
      return true;
    },

    /** The coverage gaps of the last committed run. */
    async gapKeys(): Promise<string[]> {
      const json = await redis.get(coverageKey);
      return json ? (JSON.parse(json) as string[]) : [];
    },

    async lastSuccess(): Promise<number | null> {
      const v = await redis.get(lastSuccessKey);
      return v === null ? null : Number(v);
    },

    async openCounts(): Promise<Map<string, number>> {
      const all = await redis.hgetall(countsKey);
      return new Map(Object.entries(all).map(([c, n]) => [c, Number(n)]));
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
