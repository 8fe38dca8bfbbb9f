import { afterAll, describe, expect, it } from '@jest/globals';
import { OutboxClaimLostError } from '../../src/core/errors.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createRunStore } from '../../src/store/run-store.js';
import { DEFAULT_ROUTE } from '../../src/store/store-keys.js';
import { commitOf, testRedis } from '../support/store-fixtures.js';
import { until } from '../support/worker-process.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
let n = 0;
const fresh = () => `${base}-${(n += 1)}`;
const msg = (text: string) => ({ text, blocks: [] });

describe('outbox store (real Redis)', () => {
  it('keeps each route its own digests in commit order, resumes after the accepted messages', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const outbox = createOutboxStore(redis, prefix);
    await committer.commitRun(commitOf('r1', { digests: [{ route: DEFAULT_ROUTE, messages: [msg('a'), msg('b')] }, { route: 'critical', messages: [msg('c')] }] }));
    await committer.commitRun(commitOf('r2', { version: 1, digests: [{ route: DEFAULT_ROUTE, messages: [msg('d')] }] }));
    await committer.commitRun(commitOf('r3', { version: 2, digests: [{ route: DEFAULT_ROUTE, messages: [msg('e')] }] }));
    await outbox.markDelivered('r1', DEFAULT_ROUTE, 0);
    const pending = await outbox.pendingDigests(DEFAULT_ROUTE);
    expect(pending.map((d) => [d.runKey, d.messages.map((m) => m.text), d.delivered])).toEqual([
      ['r1', ['a', 'b'], 1],
      ['r2', ['d'], 0],
      ['r3', ['e'], 0],
    ]);
    expect((await outbox.pendingDigests('critical')).map((d) => d.runKey)).toEqual(['r1']);
  });

  it('makes a run a success only when the last of its routes is delivered', async () => {
    const prefix = fresh();
    const committer = createRunCommitter(redis, prefix);
    const outbox = createOutboxStore(redis, prefix);
    const runs = createRunStore(redis, prefix);
    await committer.commitRun(commitOf('r1', { digests: [{ route: DEFAULT_ROUTE, messages: [msg('a')] }, { route: 'critical', messages: [msg('c')] }] }));
    expect(await outbox.completeDigest('r1', DEFAULT_ROUTE)).toBe(false);
    expect(await runs.lastSuccess()).toBeNull();
    expect((await runs.getRun('r1'))?.delivery).toBe('pending');
    expect(await outbox.completeDigest('r1', 'critical')).toBe(true);
    expect(await runs.lastSuccess()).toBe(Date.parse('2026-11-29T12:00:00.000Z'));
    expect((await runs.getRun('r1'))?.delivery).toBe('delivered');
    expect(await outbox.pendingDigests(DEFAULT_ROUTE)).toEqual([]);
  });

  it('gives a route to one holder at a time and keeps the claim past its life while the holder works', async () => {
    const prefix = fresh();
    const a = createOutboxStore(redis, prefix);
    const b = createOutboxStore(redis, prefix);
    let other: boolean | undefined;
    const held = await a.withClaim(DEFAULT_ROUTE, 150, async (claim) => {
      await new Promise((r) => setTimeout(r, 600)); // four lives of the claim
      other = await b.withClaim(DEFAULT_ROUTE, 150, () => Promise.resolve());
      await claim.assertHeld();
    });
    expect(held).toBe(true);
    expect(other).toBe(false);
    expect(await b.withClaim(DEFAULT_ROUTE, 150, () => Promise.resolve())).toBe(true); // released after
  });

  it('a holder whose claim was taken over is refused before its next post', async () => {
    const prefix = fresh();
    const a = createOutboxStore(redis, prefix);
    const refused = await a
      .withClaim(DEFAULT_ROUTE, 10_000, async (claim) => {
        await redis.set(`${prefix}:alerts:outbox-lock`, 'someone-else');
        await claim.assertHeld();
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OutboxClaimLostError);
    expect((refused as Error).message).toBe('the outbox claim of route "default" was lost while delivering');
    expect(await redis.get(`${prefix}:alerts:outbox-lock`)).toBe('someone-else'); // not released by the loser
  });

  it('a claim once lost stays lost, even if the lock reads as ours again (a failover to a replica behind)', async () => {
    const prefix = fresh();
    const lock = `${prefix}:alerts:outbox-lock`;
    const a = createOutboxStore(redis, prefix);
    // Lost as the fence saw it.
    await expect(
      a.withClaim(DEFAULT_ROUTE, 60_000, async (claim) => {
        const ours = await redis.get(lock);
        await redis.set(lock, 'someone-else');
        await claim.assertHeld().catch(() => undefined);
        await redis.set(lock, ours ?? '');
        await claim.assertHeld();
      }),
    ).rejects.toBeInstanceOf(OutboxClaimLostError);
    // Lost as a renewal saw it (one EVAL after the take-over), before any fence.
    const evals = async () => Number(/cmdstat_eval:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    await expect(
      a.withClaim(DEFAULT_ROUTE, 300, async (claim) => {
        const ours = await redis.get(lock);
        await redis.set(lock, 'someone-else');
        const before = await evals();
        await until(async () => (await evals()) > before, 5_000, 'a renewal of the claim');
        await redis.set(lock, ours ?? '');
        await claim.assertHeld();
      }),
    ).rejects.toBeInstanceOf(OutboxClaimLostError);
  });

  it('releaseAll() frees the claims of a holder that stops mid-delivery', async () => {
    const prefix = fresh();
    const a = createOutboxStore(redis, prefix);
    let release = () => undefined as void;
    const stuck = a.withClaim(DEFAULT_ROUTE, 60_000, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    await a.releaseAll();
    expect(await createOutboxStore(redis, prefix).withClaim(DEFAULT_ROUTE, 60_000, () => Promise.resolve())).toBe(true);
    release();
    await stuck;
  });

  it('sets a message aside once, and requeues it as it was committed (an empty blocks array stays an array)', async () => {
    const prefix = fresh();
    const outbox = createOutboxStore(redis, prefix);
    await createRunCommitter(redis, prefix).commitRun(commitOf('r1', { digests: [{ route: 'team', messages: [msg('a'), msg('b')] }] }));
    const refusal = { at: new Date('2026-11-29T12:00:00.000Z'), status: 400, answer: 'invalid_blocks' };
    const letter = await outbox.deadLetter('r1', 'team', 0, refusal, msg('a'));
    expect(letter).toMatchObject({ route: 'team', run: 'r1', index: 0, at: '2026-11-29T12:00:00.000Z', status: 400, answer: 'invalid_blocks' });
    expect(letter?.id).toMatch(/^[0-9a-f-]{12}$/); // short enough to type after `deliveries resend`
    // A second attempt at the same message (a retried job) finds the digest past it: no second dead letter.
    expect(await outbox.deadLetter('r1', 'team', 0, refusal, msg('a'))).toBeNull();
    expect((await outbox.pendingDigests('team')).map((d) => d.delivered)).toEqual([1]);
    expect(await outbox.deadLetters()).toEqual([letter]);
    expect(await outbox.deadLetters(DEFAULT_ROUTE)).toEqual([]);

    expect(await outbox.requeue('team', letter?.id ?? '')).toBe(true);
    const pending = await outbox.pendingDigests('team');
    expect(pending.map((d) => [d.runKey, d.messages, d.delivered])).toEqual([
      ['r1', [msg('a'), msg('b')], 1],
      [`resend-${letter?.id ?? ''}`, [msg('a')], 0],
    ]);
    expect(await outbox.deadLetters()).toEqual([]);
  });

  it("counts a route's failed attempts in a row from the first, with the last reason; failing from the second, until one delivers", async () => {
    const outbox = createOutboxStore(redis, fresh());
    const first = new Date('2026-11-29T12:00:00.000Z');
    expect(await outbox.routeFailed('team', first, 'HTTP 500')).toEqual({ route: 'team', attempts: 1, since: first.toISOString(), reason: 'HTTP 500' });
    await outbox.routeFailed('alpha', first, 'HTTP 404');
    expect(await outbox.failingRoutes()).toEqual([]);
    expect(await outbox.routeFailed('team', new Date('2026-11-29T12:05:00.000Z'), 'timeout')).toEqual({ route: 'team', attempts: 2, since: first.toISOString(), reason: 'timeout' });
    await outbox.routeFailed('alpha', new Date('2026-11-29T12:06:00.000Z'), 'HTTP 404');
    expect((await outbox.failingRoutes()).map((f) => [f.route, f.attempts])).toEqual([
      ['alpha', 2],
      ['team', 2],
    ]);
    await outbox.routeDelivered('team');
    expect((await outbox.failingRoutes()).map((f) => f.route)).toEqual(['alpha']);
    expect((await outbox.routeFailed('team', new Date('2026-11-29T13:00:00.000Z'), 'HTTP 500')).attempts).toBe(1);
  });

  it('drops from the outbox a run whose digest an earlier attempt completed, and lists dead letters of every route by route', async () => {
    const prefix = fresh();
    const outbox = createOutboxStore(redis, prefix);
    await createRunCommitter(redis, prefix).commitRun(commitOf('r1', { digests: [{ route: 'team', messages: [msg('a')] }, { route: 'alpha', messages: [msg('b')] }] }));
    await redis.rpush(`${prefix}:alerts:outbox:team`, 'r-done');
    expect((await outbox.pendingDigests('team')).map((d) => d.runKey)).toEqual(['r1']);
    expect(await redis.lrange(`${prefix}:alerts:outbox:team`, 0, -1)).toEqual(['r1']);
    const refusal = { at: new Date('2026-11-29T12:00:00.000Z'), status: 400, answer: 'invalid_blocks' };
    const team = await outbox.deadLetter('r1', 'team', 0, refusal, msg('a'));
    const alpha = await outbox.deadLetter('r1', 'alpha', 0, refusal, msg('b'));
    expect(await outbox.deadLetters()).toEqual([alpha, team]);
    expect(await outbox.deadLetters('team')).toEqual([team]);
  });

  it('lists failing routes and dead letters by route whatever the order they came in, every dead letter of a route', async () => {
    const prefix = fresh();
    const outbox = createOutboxStore(redis, prefix);
    // Six routes: a small set or hash of these comes back from Redis in no set order, so only the sort orders them.
    const routes = ['d5', 'd2', 'd6', 'd1', 'd4', 'd3'];
    await createRunCommitter(redis, prefix).commitRun(commitOf('r1', { digests: routes.map((route) => ({ route, messages: route === 'd1' ? [msg('a'), msg('b'), msg('c')] : [msg('a')] })) }));
    const refusal = { at: new Date('2026-11-29T12:00:00.000Z'), status: 400, answer: 'invalid_blocks' };
    for (const route of routes) {
      for (let index = 0; index < (route === 'd1' ? 3 : 1); index += 1) {
        await outbox.deadLetter('r1', route, index, refusal, msg('x'));
      }
      await outbox.routeFailed(route, refusal.at, 'HTTP 400');
      await outbox.routeFailed(route, refusal.at, 'HTTP 400');
    }
    const sorted = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'];
    expect((await outbox.failingRoutes()).map((f) => f.route)).toEqual(sorted);
    expect((await outbox.deadLetters()).map((l) => `${l.route}:${l.index}`)).toEqual(['d1:0', 'd1:1', 'd1:2', ...sorted.slice(1).map((r) => `${r}:0`)]);
  });
});
