import type { Logger } from 'pino';
import type { SocketLeaseStore } from '../../store/socket-lease-store.js';

/** The lease's life, how often its holder renews it and how often the others try to take it (milliseconds). */
export interface LeaseTimings {
  readonly ttlMs: number;
  readonly renewMs: number;
  readonly retryMs: number;
}

/** A dead holder's lease runs out within 15 s; the others try every 5 s: the socket is back within 30 s. */
export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { ttlMs: 15_000, renewMs: 5_000, retryMs: 5_000 };

export interface LeaseHolder {
  /** This replica's lease value ("<fence>:<holder>") while it holds the lease, else null. */
  current(): string | null;
  /** Gives the lease up now (its socket failed, or Redis said another holds it) and waits `pauseMs` before trying again. */
  giveUp(reason: string, pauseMs?: number): Promise<void>;
  /** Stops trying and releases the lease if held. */
  close(): Promise<void>;
}

/**
 * Keeps trying to take the socket lease; while it holds it, renews it. `onAcquired` when taken, `onLost` when
 * it is no longer ours: Redis says another holds it, or it could not be renewed before it would run out (a
 * holder cut off from Redis stops before another can take over; the claim's fence covers the overlap a
 * paused process could still cause).
 */
export function holdSocketLease(options: {
  readonly lease: SocketLeaseStore;
  /** This replica's id in the lease (no colon). */
  readonly holder: string;
  readonly timings: LeaseTimings;
  readonly logger: Logger;
  readonly onAcquired: (value: string) => void;
  readonly onLost: (reason: string) => void;
  readonly now?: () => number;
}): LeaseHolder {
  const { lease, holder, timings, logger } = options;
  const now = options.now ?? Date.now;
  let value: string | null = null;
  let lastRenewed = 0;
  let pauseUntil = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lastProblem = '';

  const lose = (reason: string) => {
    if (value === null) {
      return;
    }
    value = null;
    logger.warn({ reason }, 'Slack socket lease lost: disconnecting');
    options.onLost(reason);
  };
  const schedule = () => {
    if (!closed) {
      timer = setTimeout(() => void tick(), value === null ? timings.retryMs : timings.renewMs);
    }
  };
  const tick = async () => {
    try {
      if (value === null) {
        if (now() >= pauseUntil) {
          const taken = await lease.acquire(holder);
          if (taken !== null && closed) {
            await lease.release(taken);
          } else if (taken !== null) {
            value = taken;
            lastRenewed = now();
            logger.info({ fence: Number(taken.split(':')[0]) }, 'Slack socket lease taken: connecting');
            options.onAcquired(taken);
          }
        }
      } else if (await lease.renew(value)) {
        lastRenewed = now();
      } else {
        lose('another replica holds the lease now');
      }
      lastProblem = '';
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      if (problem !== lastProblem) {
        lastProblem = problem;
        logger.warn({ err: error }, 'Slack socket lease: Redis did not answer');
      }
      // Renewing failed: stop before the lease can run out rather than after another has taken it.
      if (value !== null && now() - lastRenewed + timings.renewMs >= timings.ttlMs) {
        lose('the lease could not be renewed in time');
      }
    }
    schedule();
  };
  void tick();

  return {
    current: () => value,
    async giveUp(reason, pauseMs = 0) {
      const held = value;
      lose(reason);
      pauseUntil = now() + pauseMs;
      if (held !== null) {
        await lease.release(held).catch(() => undefined);
      }
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const held = value;
      value = null;
      if (held !== null) {
        await lease.release(held).catch(() => undefined);
      }
    },
  };
}
