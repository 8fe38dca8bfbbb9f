import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { holdSocketLease } from '../../src/app/slack-actions/hold-socket-lease.js';
import type { SocketLeaseStore } from '../../src/store/socket-lease-store.js';
import { withTimeout } from '../../src/core/with-timeout.js';

const TIMINGS = { ttlMs: 100, renewMs: 20, retryMs: 10 };

/** A lease whose renewals fail as `renew` says; each renewal moves the fake clock on by the renewal period. */
function fakeLease(renew: () => Promise<boolean>) {
  const clock = { t: 0 };
  const lease = {
    acquire: () => Promise.resolve('1:me'),
    renew: async () => {
      clock.t += TIMINGS.renewMs;
      return renew();
    },
    release: () => Promise.resolve(),
  } as unknown as SocketLeaseStore;
  return { lease, clock };
}

function hold(lease: SocketLeaseStore, clock: { t: number }) {
  let lost: (reason: string) => void = () => undefined;
  const lostAt = new Promise<{ reason: string; at: number }>((resolve) => (lost = (reason) => resolve({ reason, at: clock.t })));
  const holder = holdSocketLease({
    lease,
    holder: 'me',
    timings: TIMINGS,
    logger: pino({ level: 'silent' }),
    now: () => clock.t,
    onAcquired: () => undefined,
    onLost: (reason) => lost(reason),
  });
  return { holder, lostAt };
}

// The bound's timer is cleared once the promise settles: left pending, it held Jest's worker open for 3 s after
// the file ("A worker process has failed to exit gracefully").
const bounded = <T>(p: Promise<T>) =>
  withTimeout(p, 3000, () => {
    throw new Error('onLost never came');
  });

describe('holdSocketLease', () => {
  it('lets the lease go before it can run out when Redis does not answer the renewals', async () => {
    const { lease, clock } = fakeLease(() => Promise.reject(new Error('Connection is closed.')));
    const { holder, lostAt } = hold(lease, clock);
    const { reason, at } = await bounded(lostAt).finally(() => holder.close());
    expect(reason).toBe('the lease could not be renewed in time');
    // Taken at 0 with a life of 100: given up before another replica could take it.
    expect(at).toBeLessThan(TIMINGS.ttlMs);
    expect(holder.current()).toBeNull();
  });

  it('lets the lease go when Redis says another replica holds it', async () => {
    const { lease, clock } = fakeLease(() => Promise.resolve(false));
    const { holder, lostAt } = hold(lease, clock);
    expect((await bounded(lostAt).finally(() => holder.close())).reason).toBe('another replica holds the lease now');
  });
});
