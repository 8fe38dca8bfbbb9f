import { afterEach, describe, expect, it } from '@jest/globals';
import { echoOf, echoingToken } from '../support/gcore-stand-in.js';
import { tokenReads, workerHarness, type Harness } from '../support/worker-harness.js';
import { until } from '../support/worker-process.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function health(port: number): Promise<{ status: number; reason?: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, reason: body.reason };
}

describe('worker: the Gcore listing path', () => {
  it('a 429 with Retry-After: 1 then 200 on an account\'s listing loses nothing', async () => {
    h = await workerHarness({ tokens: 4 });
    h.gcore.scripts.set('/iam/v2/clients/456/tokens', (_req, n) =>
      n === 1 ? { status: 429, body: '{"detail":"slow down"}', headers: { 'retry-after': '1' } } : undefined,
    );
    await h.startWorker();
    const run = await h.trigger();
    expect(run.report?.coverage).toEqual([]);
    expect(run.report?.summary).toMatchObject({ tokensAudited: 4, failed: 0 });
    expect(h.gcore.requests.filter((r) => r.endsWith('/456/tokens'))).toHaveLength(2);
    expect([...tokenReads(h.gcore).keys()].sort()).toEqual([101, 102, 103, 104]);
  });

  it('redacts a key Gcore echoes (raw and URL-encoded) before anything is stored, reported or posted', async () => {
    h = await workerHarness({ tokens: 2 });
    const key = '456_echoed/worker+key=';
    h.env.GCORE_API_KEY = key;
    h.gcore.keys.set(key, 456);
    const echo = echoOf(key);
    h.gcore.accounts.get(456)?.set(101, echoingToken(key));
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/102', () => ({ status: 400, body: JSON.stringify({ detail: echo('detail') }) }));
    h.gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 200, body: JSON.stringify([101, 102].map((id) => ({ id, name: echo(`listed-${id}`) }))) }));
    await h.startWorker();
    const run = await h.trigger();
    expect(run.report?.findings.find((f) => f.tokenId === 101)?.tokenName).toBe('name [REDACTED] [REDACTED]');
    expect(run.report?.findings.find((f) => f.tokenId === 102)?.tokenName).toBe('listed-102 [REDACTED] [REDACTED]');
    const stored: string[] = [];
    for (const k of await h.redis.keys(`${h.prefix}:*`)) {
      const type = await h.redis.type(k);
      const value =
        type === 'string' ? await h.redis.get(k) : type === 'hash' ? JSON.stringify(await h.redis.hgetall(k)) : type === 'list' ? JSON.stringify(await h.redis.lrange(k, 0, -1)) : '';
      stored.push(value ?? '');
    }
    for (const text of [run.stdout, stored.join('\n'), h.slack.posts.map((p) => p.raw).join('\n'), h.logs.text()]) {
      expect(text).not.toContain('echoed/worker');
      expect(text).not.toContain(encodeURIComponent('echoed/worker'));
    }
  });
});

describe('worker: a Retry-After longer than we wait', () => {
  it('pauses the whole token queue for the cap only: the run completes, that token audit-failed, /healthz 503 during the pause and 200 after', async () => {
    h = await workerHarness({ tokens: 8 });
    // concurrency is 4: the 4th token request is the victim, with the 3 before it still in flight (slow
    // answers), so every job active when the pause starts has already been seen, and any later request
    // comes from a job started after it. A 429'd job sleeping on its own would let the 3 slots carry on.
    let victim: string | null = null;
    let seen = 0;
    for (let id = 101; id <= 108; id += 1) {
      const path = `/iam/v2/clients/456/tokens/${id}`;
      h.gcore.scripts.set(path, () => {
        seen += 1;
        if (victim === null && seen === 4) {
          victim = path;
          return { status: 429, body: '{"detail":"come back tomorrow"}', headers: { 'retry-after': '86400' } };
        }
        return { delayMs: 500 };
      });
    }
    const worker = await h.startWorker({ gcoreMaxRetryAfterMs: 3000 });
    const trigger = h.trigger();

    let paused: { status: number; reason?: string } = { status: 0 };
    await until(async () => {
      paused = await health(worker.healthPort);
      return paused.status === 503;
    }, 15_000, '/healthz to report the Gcore pause');
    expect(paused.reason).toBe('Gcore asked to pause for 86400 s (Retry-After): the token queue is paused for 3 s');
    let last503At = Date.now();
    await until(async () => {
      const now = await health(worker.healthPort);
      if (now.status === 503) {
        last503At = Date.now();
      }
      return now.status === 200;
    }, 15_000, '/healthz to recover after the capped pause');
    // The queue paused as a whole: from the 429 to the last moment /healthz reported the pause, no token
    // request arrived (each 429'd job sleeping on its own would let the other slots carry on).
    const victimAt = h.gcore.arrivals.find((a) => a.path === victim)?.at ?? Infinity;
    expect(h.gcore.arrivals.filter((a) => a.at > victimAt && a.at <= last503At)).toEqual([]);
    expect(last503At - victimAt).toBeGreaterThan(1000); // the window checked is not empty

    const run = await trigger;
    expect(run.code).toBe(0);
    expect(run.report?.summary).toMatchObject({ tokensAudited: 7, failed: 1 });
    const failed = run.report?.findings.filter((f) => f.rule === 'audit-failed') ?? [];
    expect(failed.map((f) => `/iam/v2/clients/456/tokens/${f.tokenId}`)).toEqual([victim]);
    expect(failed[0]?.message).toBe(`Could not be audited: GET ${victim ?? ''}: HTTP 429, Gcore asked to wait 86400 s, longer than we wait (3 s)`);
    expect(h.gcore.requests.filter((r) => r === `GET ${victim ?? ''}`)).toHaveLength(1);
    expect(await health(worker.healthPort)).toEqual({ status: 200, reason: undefined });
  }, 30_000);

  it('caps a Retry-After given as an HTTP date a year ahead the same way', async () => {
    h = await workerHarness({ tokens: 2 });
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toUTCString();
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 429, body: '{}', headers: { 'retry-after': inAYear } }));
    await h.startWorker({ gcoreMaxRetryAfterMs: 1000 });
    const run = await h.trigger();
    expect(run.code).toBe(0);
    // one of two tokens unread: the account is a coverage gap too
    expect(run.report?.findings.map((f) => `${f.tokenId}:${f.rule}`).sort()).toEqual(['101:audit-failed', '102:never-expiring', 'null:coverage-gap']);
    expect(run.report?.findings.find((f) => f.tokenId === 101)?.message).toMatch(/Gcore asked to wait 315\d{5} s, longer than we wait \(1 s\)$/);
  }, 30_000);
});
