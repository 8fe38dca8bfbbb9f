import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { within } from '../../core/within.js';
import type { RedisClient } from '../../store/redis-connection.js';
import { createSocketLeaseStore } from '../../store/socket-lease-store.js';
import { deliverInteraction, type Delivery } from './deliver-interaction.js';
import { DEFAULT_LEASE_TIMINGS, holdSocketLease, type LeaseTimings } from './hold-socket-lease.js';
import type { Interaction, InteractionHandler } from './interaction.js';
import { createSlackSocket, type SlackSocket } from './slack-socket.js';

/** up: this replica holds the socket and it is connected; connecting: it holds the lease, not yet connected; standby: another replica holds it. */
export type SocketState = 'up' | 'connecting' | 'standby';

export interface SocketListenerOptions {
  readonly appToken: string;
  /** Slack's Web API base; tests point it at the stand-in. */
  readonly apiUrl?: string;
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly handler: InteractionHandler;
  readonly logger: Logger;
  readonly redact: (text: string) => string;
  readonly lease?: Partial<LeaseTimings>;
  /** The SDK's reconnection step (see SlackSocketOptions). */
  readonly reconnectStepMs?: number;
  /** Every envelope's end (after its work, if any). */
  readonly onDelivery?: (delivery: Delivery, interaction: Interaction | null) => void;
  /** The socket went up or down on this replica. */
  readonly onSocketState?: (up: boolean) => void;
}

export interface SocketListener {
  state(): SocketState;
  /** Why the socket is not up while this replica holds the lease (Slack's refusal, redacted), else null. */
  problem(): string | null;
  /** Disconnects, releases the lease and waits (at most `workMs`, default 5 s) for the work of envelopes already acknowledged. */
  close(workMs?: number): Promise<void>;
}

/**
 * The worker's side of Slack's Socket Mode: one replica at a time (the lease) holds the socket; each
 * envelope is claimed under the lease (fenced, once), decided, acknowledged, then worked on
 * (deliverInteraction). A replica that loses the lease disconnects, and Slack's next envelopes go to the
 * replica that takes it.
 */
export function startSocketListener(options: SocketListenerOptions): SocketListener {
  const timings = { ...DEFAULT_LEASE_TIMINGS, ...options.lease };
  const log = options.logger.child({ component: 'slack-socket' });
  const lease = createSocketLeaseStore(options.redis, options.prefix, timings.ttlMs);
  const working = new Set<Promise<unknown>>();
  let socket: SlackSocket | null = null;

  const onEnvelope = (envelope: Parameters<Parameters<typeof createSlackSocket>[0]['onEnvelope']>[0]) => {
    const value = holder.current();
    const work = deliverInteraction(envelope, {
      handler: options.handler,
      claim: (key) => (value === null ? Promise.resolve('not-holder' as const) : lease.claim(value, key)),
      logger: log,
      redact: options.redact,
    })
      .then(({ delivery, interaction }) => {
        if (delivery === 'not-holder') {
          void holder.giveUp('an envelope came after the lease was lost');
        }
        options.onDelivery?.(delivery, interaction);
      })
      .catch((error: unknown) => log.warn({ err: new Error(options.redact(error instanceof Error ? error.message : String(error))) }, 'Slack envelope not handled'))
      .finally(() => working.delete(work));
    working.add(work);
  };

  const holder = holdSocketLease({
    lease,
    holder: randomUUID().replaceAll('-', '').slice(0, 16),
    timings,
    logger: log,
    onAcquired: () => {
      socket = createSlackSocket({
        appToken: options.appToken,
        apiUrl: options.apiUrl,
        logger: log,
        redact: options.redact,
        reconnectStepMs: options.reconnectStepMs,
        onEnvelope,
        onState: (up) => {
          log.info(up ? 'Slack socket connected' : 'Slack socket down');
          options.onSocketState?.(up);
        },
      });
      socket.start();
    },
    onLost: () => {
      const closing = socket;
      socket = null;
      void closing?.stop();
    },
  });

  return {
    state: () => (holder.current() === null ? 'standby' : socket?.isUp() ? 'up' : 'connecting'),
    problem: () => (holder.current() === null ? null : (socket?.problem() ?? null)),
    async close(workMs = 5000) {
      const closing = socket;
      socket = null;
      await closing?.stop();
      await holder.close();
      if (!(await within(Promise.allSettled([...working]), workMs))) {
        log.warn('Slack actions still working at shutdown: left unfinished');
      }
    },
  };
}
