import { afterEach, describe, expect, it } from '@jest/globals';
import { USERS_PAGE } from '../../src/run/read-roster.js';
import { gcoreUser } from '../support/gcore-stand-in.js';
import { dumpPrefix } from '../support/store-fixtures.js';
import { KEY, workerHarness, type Harness } from '../support/worker-harness.js';

const USERS = 250;
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const count = (test: (r: string) => boolean) => h?.gcore.requests.filter(test).length ?? 0;
const listCalls = () => count((r) => r === 'GET /iam/users');
const userCalls = () => count((r) => /^GET \/iam\/users\/\d+$/.test(r));

async function start(): Promise<Harness> {
  h = await workerHarness({ tokens: 6 });
  // The stand-in's tokens are issued by user 123, the key's own user here.
  h.gcore.users.set(456, Array.from({ length: USERS }, (_, i) => gcoreUser(i + 1)));
  h.gcore.keyUsers.set(KEY, 123);
  await h.startWorker();
  return h;
}

describe('the worker reads the people once per run', () => {
  it('reads 250 users in ceil(250 / page) calls per run however many tokens, keeps facts without email, marks the key user', async () => {
    const harness = await start();
    const first = await harness.trigger();
    expect(first.report?.summary.tokensAudited).toBe(6);
    expect(listCalls()).toBe(Math.ceil(USERS / USERS_PAGE));
    expect(userCalls()).toBe(0); // every issuer was in the roster: no call per user
    expect(first.report?.keyUserTokens).toEqual(['456:101', '456:102', '456:103', '456:104', '456:105', '456:106']);
    expect(first.report?.coverage).toEqual([]);

    await harness.trigger();
    expect(listCalls()).toBe(2 * Math.ceil(USERS / USERS_PAGE));

    // The run's facts are in Redis per `clientId:userId`, with a TTL; no email in any key, nor in the facts.
    const dump = await dumpPrefix(harness.redis, harness.prefix);
    const issuerKeys = (await harness.redis.keys(`${harness.prefix}*issuers:*`)).sort();
    expect(issuerKeys).toHaveLength(2);
    for (const key of issuerKeys) {
      expect(await harness.redis.ttl(key)).toBeGreaterThan(0);
      const facts = await harness.redis.hgetall(key);
      expect(JSON.parse(facts['456:123'] ?? 'null')).toMatchObject({ gcore: 'present', isKeyUser: true, currentRoleId: 2 });
      expect(Object.values(facts).join('\n')).not.toContain('@');
    }
    expect((await harness.redis.keys(`${harness.prefix}*`)).join('\n')).not.toContain('@');
    expect(dump).not.toMatch(/user\d+@example\.com/);
    expect(harness.logs.text()).not.toMatch(/@example\.com/);
  });

  it('an unreadable roster is a coverage gap of the account in the worker too, and no user is asked for one by one', async () => {
    const harness = await start();
    harness.gcore.scripts.set('/iam/users', () => ({ status: 403, body: '{"detail":"You do not have permission to perform this action."}' }));
    const run = await harness.trigger();
    expect(run.report?.summary.tokensAudited).toBe(6);
    expect(run.report?.coverage).toEqual([expect.stringMatching(/^account 456: its users could not be read: .*403.*\(issuer checks skipped\)$/)]);
    expect(run.report?.findings.filter((f) => f.rule === 'coverage-gap').map((f) => f.clientId)).toEqual([456]);
    expect(userCalls()).toBe(0);
    expect(run.report?.keyUserTokens).toBeUndefined(); // not known: the roster (and the key's user) unread
  });
});
