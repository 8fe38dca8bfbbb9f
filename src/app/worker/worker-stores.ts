import { createActionStore } from '../../store/action-store.js';
import { createAlertStateStore } from '../../store/alert-state-store.js';
import { createRunCommitter } from '../../store/commit-run.js';
import { createHistoryStore } from '../../store/history-store.js';
import { createIssuerFactsStore } from '../../store/issuer-facts-store.js';
import { createMuteStore } from '../../store/mute-store.js';
import { createOutboxStore } from '../../store/outbox-store.js';
import type { RedisClient } from '../../store/redis-connection.js';
import { createRefusedKeyStore } from '../../store/refused-key-store.js';
import { createRevocationStore } from '../../store/revocation-store.js';
import { createRunStore } from '../../store/run-store.js';
import { createSentinelStore } from '../../store/sentinel-store.js';

/** How old a replica's copy of the run's refused keys may be before a token job reads them again. */
export const REFUSALS_RECHECK_MS = 250;

/** Every store the worker reads and writes, all on its one Redis client and prefix. */
export function createWorkerStores(redis: RedisClient, prefix: string) {
  return {
    states: createAlertStateStore(redis, prefix),
    runs: createRunStore(redis, prefix),
    outbox: createOutboxStore(redis, prefix),
    committer: createRunCommitter(redis, prefix),
    sentinel: createSentinelStore(redis, prefix),
    revocations: createRevocationStore(redis, prefix),
    mutes: createMuteStore(redis, prefix),
    // A refusal another replica stored is seen here within this (its own at once): README "Guarantees".
    refusedKeys: createRefusedKeyStore(redis, prefix, { recheckMs: REFUSALS_RECHECK_MS }),
    history: createHistoryStore(redis, prefix),
    issuers: createIssuerFactsStore(redis, prefix),
    acks: createActionStore(redis, prefix),
  };
}

export type WorkerStores = ReturnType<typeof createWorkerStores>;
