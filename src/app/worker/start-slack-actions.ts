import type { Logger } from 'pino';
import { ACTION_KINDS } from '../../alerts/actions/action-kind.js';
import type { Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import { createRequestLimiter } from '../../gcore/request-limiter.js';
import type { RedisClient } from '../../store/redis-connection.js';
import type { Metrics } from '../health/metrics.js';
import { slackActionMetrics } from '../health/slack-action-metrics.js';
import type { LeaseTimings } from '../slack-actions/hold-socket-lease.js';
import { interactionAction } from '../slack-actions/interaction-key.js';
import { makeWorkerActionHandler } from '../slack-actions/make-worker-action-handler.js';
import { startSocketListener } from '../slack-actions/socket-listener.js';
import { webClientSlackWeb } from '../slack-actions/web-client-slack-web.js';

/** What tests change: Slack's address (the stand-in), and short lease and reconnection steps. */
export interface SlackActionsOptions {
  readonly apiUrl?: string;
  readonly lease?: Partial<LeaseTimings>;
  readonly reconnectStepMs?: number;
}

export interface SlackActions {
  /** For /healthz's `slack`: this replica's socket (up, connecting, standby) and, while it cannot connect, why. */
  health(): { socket: string; problem?: string };
  close(): Promise<void>;
}

const KINDS = new Set<string>(ACTION_KINDS);

/**
 * Acting from Slack (issue 21), when both app tokens are set (config.actions.interactive): the Socket Mode
 * listener with the action handler, SlackWeb over the bot token, and their metrics. null without the tokens:
 * then nothing of this runs, connects or is registered.
 */
export function startSlackActions(
  deps: {
    readonly config: Config;
    readonly secrets: Secrets;
    readonly redis: RedisClient;
    readonly prefix: string;
    readonly logger: Logger;
    readonly redact: (text: string) => string;
    readonly api: GcoreApi;
    readonly clock: () => Date;
    readonly metrics: Pick<Metrics, 'registry' | 'slackActions'>;
  } & SlackActionsOptions,
): SlackActions | null {
  const { config, secrets, logger } = deps;
  if (config.actions?.interactive !== true) {
    return null;
  }
  const metrics = slackActionMetrics(deps.metrics);
  const handler = makeWorkerActionHandler({
    config,
    secrets,
    redis: deps.redis,
    prefix: deps.prefix,
    web: webClientSlackWeb({ botToken: secrets.get('SLACK_BOT_TOKEN'), apiUrl: deps.apiUrl, logger, redact: deps.redact }),
    api: deps.api,
    // A revocation approved from Slack goes through Gcore at the pace `revoke approve` keeps: one request at a time.
    limiter: createRequestLimiter({ concurrency: 1 }),
    clock: deps.clock,
    logger,
    onAction: (action, outcome) => metrics.actions.inc({ action, outcome }),
  });
  const listener = startSocketListener({
    appToken: secrets.get('SLACK_APP_TOKEN'),
    apiUrl: deps.apiUrl,
    redis: deps.redis,
    prefix: deps.prefix,
    handler,
    logger,
    redact: deps.redact,
    lease: deps.lease,
    reconnectStepMs: deps.reconnectStepMs,
    // The handler counts what it decides; a delivery it never saw (already claimed) is counted here.
    onDelivery: (delivery, interaction) => {
      const action = interaction === null ? 'other' : interactionAction(interaction, KINDS);
      if (delivery === 'duplicate' && action !== 'other') {
        metrics.actions.inc({ action, outcome: 'duplicate' });
      }
    },
    onSocketState: (up) => metrics.socketUp.set(up ? 1 : 0),
  });
  return {
    health() {
      const problem = listener.problem();
      return { socket: listener.state(), ...(problem === null ? {} : { problem }) };
    },
    // Bounded: the worker's close has a few seconds in all; work cut short is the handler's to resume (a claim lapses, a click can be repeated).
    close: () => listener.close(2000),
  };
}
