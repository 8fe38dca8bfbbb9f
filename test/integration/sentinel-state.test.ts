import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { stopAll, type Started } from '../support/cleanup.js';
import { tokenReads, workerHarness } from '../support/worker-harness.js';
import { spawnWorker, until } from '../support/worker-process.js';

const started: Started = { procs: [] };
afterEach(() => stopAll(started));

const admin = (id: number) =>
  gcoreToken(id, { exp_date: null, client_user: { ...(gcoreToken(id, {}).client_user as object), role: { id: 1, name: 'Administrators' } } });

describe("the sentinel's state (real Redis)", () => {
  it('a worker SIGKILLed between a run listing a new admin token and its commit leaves it unseen: the restarted sentinel posts it', async () => {
    const h = (started.h = await workerHarness({ tokens: 2, config: 'gcore: { concurrency: 4, retries: 1 }\naccounts: [{ clientId: 456 }]\nsentinel: { everySeconds: 1 }\n' }));
    const seenKey = `${h.prefix}:sentinel:seen:456`;
    const lockKey = `${h.prefix}:sentinel:lock`;
    const first = await spawnWorker(h.env, h.configPath);
    started.procs = [first];
    await until(async () => (await h.redis.sismember(seenKey, '0')) === 1, 10_000, 'the first sweep to record the account');
    // From here to the kill no sweep runs: the test holds the sweep lock (once a sweep in progress frees it).
    await until(async () => (await h.redis.set(lockKey, 'test', 'PX', 60_000, 'NX')) === 'OK', 10_000, 'the sweep lock');

    h.gcore.accounts.get(456)?.set(201, admin(201));
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/201', () => ({ hang: true })); // the run never reaches its commit
    expect(await runCli(['trigger'], { stdout: { write: () => undefined }, env: h.env, logDestination: h.logs })).toBe(0);
    await until(() => Promise.resolve(h.gcore.requests.includes('GET /iam/v2/clients/456/tokens/201')), 10_000, 'the run to read token 201');
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await h.redis.smembers(seenKey)).sort()).toEqual(['0', '101', '102']);

    h.gcore.scripts.delete('/iam/v2/clients/456/tokens/201');
    await h.redis.del(lockKey);
    started.procs.push(await spawnWorker(h.env, h.configPath));
    const told = () => h.slack.accepted().filter((p) => p.raw.includes('New token') && p.raw.includes('(token 201)'));
    await until(() => Promise.resolve(told().length > 0), 15_000, 'the sentinel to post token 201');
    expect(told()).toHaveLength(1);
  });

  it('a complete listing prunes the ids Gcore says are gone, and keeps a token the listing left out but Gcore still has', async () => {
    const h = (started.h = await workerHarness({ tokens: 4 })); // 101..104
    const seenKey = `${h.prefix}:sentinel:seen:456`;
    await h.redis.sadd(seenKey, '0', '101', '102', '103', '104', '999'); // 999: deleted from Gcore since
    // The list leaves 104 out (a listing is discovery, not proof that a token is gone).
    h.gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 200, body: JSON.stringify([101, 102, 103].map((id) => gcoreToken(id, { exp_date: null }))) }));
    await h.startWorker();

    expect((await h.trigger()).code).toBe(0);
    expect((await h.redis.smembers(seenKey)).sort()).toEqual(['0', '101', '102', '103', '104']);
    expect(tokenReads(h.gcore).get(999)).toBe(1);
    expect(tokenReads(h.gcore).get(104)).toBe(1);

    expect((await h.trigger()).code).toBe(0);
    expect(tokenReads(h.gcore).get(999)).toBe(1); // pruned: never read again
    expect((await h.redis.smembers(seenKey)).sort()).toEqual(['0', '101', '102', '103', '104']);
  });
});
