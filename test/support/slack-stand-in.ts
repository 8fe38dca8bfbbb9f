import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackRejection } from './slack-limits.js';

export interface SlackPost {
  readonly at: number;
  readonly path: string;
  readonly body: { text?: string; blocks?: unknown[] } & Record<string, unknown>;
  readonly raw: string;
}

export interface SlackStandIn {
  /** The webhook URL, secret path included, as Slack issues them. */
  readonly webhookUrl: string;
  /** Every request received, accepted or not. */
  readonly posts: SlackPost[];
  /** What to answer to the n-th request (1-based); default 200 "ok". */
  respond: (n: number) => { status: number; body: string; headers?: Record<string, string> } | 'hang' | 'reset';
  /** The posts answered 200. */
  accepted(): SlackPost[];
  /** Another webhook of the same workspace (a route's), accepted like the first: its URL. */
  addWebhook(secretPath: string): string;
  /** How a webhook (by its URL or path) fails from now on, whatever `respond` says; null: it works again. */
  failWebhook(webhook: string, mode: WebhookFailure | null): void;
  close(): Promise<void>;
}

/** Failure modes of one webhook, as Slack answers them. */
export type WebhookFailure = 'no_service' | 'invalid_token' | 'unavailable' | 'invalid_blocks';
const FAILURES: Record<WebhookFailure, { status: number; body: string }> = {
  no_service: { status: 404, body: 'no_service' },
  invalid_token: { status: 403, body: 'invalid_token' },
  unavailable: { status: 503, body: 'service_unavailable' },
  invalid_blocks: { status: 400, body: 'invalid_blocks' },
};

/**
 * A local server speaking Slack's incoming-webhook protocol: POST JSON, answer 200 "ok" or a plain-text error.
 * Like Slack, it refuses a payload over Slack's limits with 400 `invalid_blocks` or `msg_too_long`
 * (slack-limits.ts), whatever `respond` says.
 */
export async function startSlackStandIn(secretPath = '/services/T000/B000/XXXXsecretXXXX'): Promise<SlackStandIn> {
  const posts: SlackPost[] = [];
  const okIndexes = new Set<number>();
  const sockets = new Set<import('node:net').Socket>();
  const webhooks = new Set([secretPath]);
  const failing = new Map<string, WebhookFailure>();
  const state = {
    respond: (_n: number): ReturnType<SlackStandIn['respond']> => ({ status: 200, body: 'ok' }),
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      let body: SlackPost['body'];
      try {
        body = JSON.parse(raw) as SlackPost['body'];
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
        return;
      }
      posts.push({ at: Date.now(), path: req.url ?? '', body, raw });
      if (!webhooks.has(req.url ?? '')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
        return;
      }
      const mode = failing.get(req.url ?? '');
      if (mode !== undefined) {
        res.writeHead(FAILURES[mode].status, { 'content-type': 'text/plain' }).end(FAILURES[mode].body);
        return;
      }
      const refused = slackRejection(body);
      if (refused !== null) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(refused);
        return;
      }
      const answer = state.respond(posts.length);
      if (answer === 'hang') {
        return;
      }
      if (answer === 'reset') {
        req.socket.destroy(); // as if Slack were unreachable
        return;
      }
      if (answer.status === 200) {
        okIndexes.add(posts.length - 1);
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.defineProperty(
    {
      webhookUrl: `http://127.0.0.1:${port}${secretPath}`,
      posts,
      accepted: () => posts.filter((_, i) => okIndexes.has(i)),
      addWebhook: (path: string) => {
        webhooks.add(path);
        return `http://127.0.0.1:${port}${path}`;
      },
      failWebhook: (webhook: string, mode: WebhookFailure | null) => {
        const path = webhook.startsWith('http') ? new URL(webhook).pathname : webhook;
        if (mode === null) {
          failing.delete(path);
        } else {
          failing.set(path, mode);
        }
      },
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) {
            s.destroy();
          }
          server.close(() => resolve());
        }),
    },
    'respond',
    { get: () => state.respond, set: (fn: typeof state.respond) => (state.respond = fn), enumerable: true },
  ) as SlackStandIn;
}
