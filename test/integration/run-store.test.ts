import { afterAll, describe, expect, it } from '@jest/globals';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { createRunStore } from '../../src/store/run-store.js';
import { DEFAULT_ROUTE } from '../../src/store/store-keys.js';
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
    expect(await runs.getRun('r1')).toEqual({ report: reportOf('r1', [finding(101)]), delivery: 'pending' });
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
});
