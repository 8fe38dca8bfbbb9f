import { afterAll, describe, expect, it } from '@jest/globals';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { finding } from '../support/findings.js';
import { commitOf, stateOf, testRedis } from '../support/store-fixtures.js';

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

describe('alert state store (real Redis)', () => {
  it('loads the states with the version they were committed under; knownTokens lists each token with an open finding once', async () => {
    const states = createAlertStateStore(redis, prefix);
    expect(await states.load()).toEqual({ states: new Map(), version: 0 });
    const committer = createRunCommitter(redis, prefix);
    const a = stateOf(finding(101, 'stale'));
    const b = stateOf(finding(101, 'never-used'));
    const c = stateOf(finding(102, 'stale', 'medium', { tokenName: null }));
    await committer.commitRun(commitOf('r1', { upserts: [a, b, c], gapKeys: ['456:key-rejected'], openCounts: new Map([['stale|medium', 2]]) }));
    const loaded = await states.load();
    expect(loaded.version).toBe(1);
    expect(loaded.states).toEqual(new Map([a, b, c].map((s) => [s.key, s])));
    expect((await states.knownTokens()).sort((x, y) => x.tokenId - y.tokenId)).toEqual([
      { clientId: 456, tokenId: 101, name: 'token-101' },
      { clientId: 456, tokenId: 102, name: null },
    ]);
    expect(await states.gapKeys()).toEqual(['456:key-rejected']);
    expect(await states.openCounts()).toEqual(new Map([['stale|medium', 2]]));

    await committer.commitRun(commitOf('r2', { version: 1, resolvedIds: [a.key, b.key] }));
    expect((await states.load()).version).toBe(2);
    expect(await states.knownTokens()).toEqual([{ clientId: 456, tokenId: 102, name: null }]);
    expect(await states.gapKeys()).toEqual([]);
  });
});
