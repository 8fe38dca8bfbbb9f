import type { AuditQueues } from '../../store/audit-queues.js';

export interface Heartbeat {
  /** A heartbeat job was taken by this replica's runs worker. */
  readonly taken: () => void;
  /** Milliseconds since the last one was taken (or since the heartbeat was created). */
  readonly sinceMs: () => number;
  /** Enqueues one now and then one every `everyMs`. */
  start(): void;
  stop(): void;
}

/**
 * Liveness by progress, not by the process being up: BullMQ workers have been seen to stop taking jobs
 * after a Redis reconnect while reporting themselves running. Each replica enqueues a heartbeat; any
 * replica's runs worker takes it, so a replica that has taken none for a while is stuck.
 */
export function createHeartbeat(queues: Pick<AuditQueues, 'addHeartbeat'>, replica: string, everyMs: number): Heartbeat {
  let last = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const beat = () => void queues.addHeartbeat(replica, Math.floor(Date.now() / everyMs)).catch(() => undefined);
  return {
    taken: () => (last = Date.now()),
    sinceMs: () => Date.now() - last,
    start() {
      beat();
      timer = setInterval(beat, everyMs);
    },
    stop: () => clearInterval(timer),
  };
}
