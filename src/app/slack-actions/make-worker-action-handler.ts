import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import type { RequestLimiter } from '../../gcore/request-limiter.js';
import { createActionStore } from '../../store/action-store.js';
import { createAlertStateStore } from '../../store/alert-state-store.js';
import { createMuteStore } from '../../store/mute-store.js';
import type { RedisClient } from '../../store/redis-connection.js';
import { createRevocationStore } from '../../store/revocation-store.js';
import type { ActionDeps } from './action-deps.js';
import type { InteractionHandler, SlackWeb } from './interaction.js';
import { makeInteractionHandler } from './make-interaction-handler.js';
import { makeSlackRevocations } from './make-slack-revocations.js';

/**
 * The worker's action handler from what the worker already holds: its Redis and prefix, its Gcore client (the
 * limiter shared with runs), its secrets. The socket calls it with each interaction (see interaction.ts).
 */
export function makeWorkerActionHandler(input: {
  readonly config: Config;
  readonly secrets: Secrets;
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly web: SlackWeb;
  readonly api: GcoreApi;
  readonly limiter: RequestLimiter;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly onAction?: ActionDeps['onAction'];
  readonly retryBaseDelayMs?: number;
}): InteractionHandler {
  const { config, redis, prefix, clock } = input;
  const logger = input.logger.child({ component: 'slack-actions' });
  return makeInteractionHandler({
    config,
    web: input.web,
    store: createActionStore(redis, prefix),
    mutes: createMuteStore(redis, prefix),
    revocations: makeSlackRevocations({
      config,
      secrets: input.secrets,
      api: input.api,
      limiter: input.limiter,
      store: createRevocationStore(redis, prefix),
      alertStates: createAlertStateStore(redis, prefix),
      clock,
      logger,
      retryBaseDelayMs: input.retryBaseDelayMs,
    }),
    clock,
    logger,
    onAction: input.onAction,
  });
}
