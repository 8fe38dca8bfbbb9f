import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from 'pino';
import { within } from '../../core/within.js';
import type { Envelope } from './deliver-interaction.js';
import { slackSdkLogger } from './slack-sdk-logger.js';

export interface SlackSocketOptions {
  /** The app-level token (xapp-…, scope connections:write). */
  readonly appToken: string;
  /** Slack's Web API base (the SDK's slackApiUrl); tests point it at the stand-in. */
  readonly apiUrl?: string;
  readonly logger: Logger;
  readonly redact: (text: string) => string;
  /**
   * The SDK's reconnection step: after the n-th failure in a row it waits n times this (it is also how long
   * it waits for a pong). Default 5000, the SDK's.
   */
  readonly reconnectStepMs?: number;
  /** Each `interactive` envelope. */
  readonly onEnvelope: (envelope: Envelope) => void;
  /** The socket came up (Slack's hello) or went down. */
  readonly onState?: (up: boolean) => void;
}

export interface SlackSocket {
  /** Starts connecting; from then on it reconnects whenever the socket drops, until stop(). */
  start(): void;
  /** Disconnects and stays disconnected, whatever a connection attempt is still doing. */
  stop(): Promise<void>;
  isUp(): boolean;
  /** Why the last attempt failed (redacted), while not connected; null when connected or not yet tried. */
  problem(): string | null;
}

/** The longest wait between two connection attempts. */
const MAX_RECONNECT_WAIT_MS = 60_000;

/**
 * One Socket Mode connection with Slack's own client (@slack/socket-mode): it asks `apps.connections.open`
 * for a URL with the app token, opens the WebSocket and answers pings. When the socket drops, Slack says
 * `disconnect` or a ping goes unanswered, this reconnects: after the n-th failure in a row it waits n steps
 * (at most a minute), for ever, whatever the failure (a Slack outage, a revoked token: /healthz says which).
 * The SDK's own reconnection is off: when its reconnect attempt fails to reach Slack it rejects a promise
 * nobody handles (an unhandled rejection ends the process), and its waits have no ceiling.
 */
export function createSlackSocket(options: SlackSocketOptions): SlackSocket {
  const step = options.reconnectStepMs ?? 5000;
  const client = new SocketModeClient({
    appToken: options.appToken,
    logger: slackSdkLogger(options.logger, options.redact),
    autoReconnectEnabled: false,
    clientPingTimeout: step,
    // One request per attempt: the waits between attempts are ours (above), and stop() is never held up by retries.
    clientOptions: {
      ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
      retryConfig: { retries: 0 },
      timeout: 10_000,
    },
  });
  let up = false;
  let session = false;
  let stopped = true;
  let failures = 0;
  let problem: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  const setUp = (value: boolean) => {
    if (up !== value) {
      up = value;
      options.onState?.(value);
    }
  };
  const attempt = () => {
    if (stopped) {
      return;
    }
    client.start().then(
      async () => {
        if (stopped) {
          // stop() came while this attempt was still asking for a URL: the connection it opened is not wanted.
          await client.disconnect();
          return;
        }
        failures = 0;
        problem = null;
      },
      (error: unknown) => {
        problem = options.redact(error instanceof Error ? error.message : String(error));
        failures += 1;
        options.logger.warn({ problem, attempt: failures }, 'Slack socket: could not connect; trying again');
        schedule();
      },
    );
  };
  const schedule = () => {
    clearTimeout(timer);
    if (!stopped) {
      timer = setTimeout(attempt, Math.min(step * Math.max(failures, 1), MAX_RECONNECT_WAIT_MS));
    }
  };
  client.on('connected', () => {
    session = true;
    setUp(true);
  });
  client.on('close', () => setUp(false));
  client.on('disconnected', () => {
    setUp(false);
    // A connected socket dropped (or Slack said disconnect): connect again. A failed attempt is rescheduled by attempt().
    if (session && !stopped) {
      session = false;
      options.logger.info('Slack socket dropped: reconnecting');
      schedule();
    }
    session = false;
  });
  client.on('interactive', (event: { envelope_id?: unknown; body?: unknown; ack: (response?: Record<string, unknown>) => Promise<void> }) => {
    options.onEnvelope({ envelopeId: typeof event.envelope_id === 'string' ? event.envelope_id : '', body: event.body, ack: (response) => event.ack(response) });
  });
  return {
    start() {
      stopped = false;
      failures = 0;
      attempt();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      setUp(false);
      // The SDK waits up to 30 s for Slack to complete the close handshake: the worker's shutdown cannot.
      await within(client.disconnect(), 2000);
    },
    isUp: () => up,
    problem: () => (up ? null : problem),
  };
}
