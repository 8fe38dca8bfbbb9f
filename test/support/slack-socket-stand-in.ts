import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { WebSocketServer, type WebSocket } from 'ws';

/** A Web API call as the stand-in received it: the method, which token sent it, and its arguments. */
export interface WebApiCall {
  readonly method: string;
  readonly token: 'app' | 'bot' | 'other' | 'none';
  readonly args: Record<string, unknown>;
}

/** An acknowledgement received on the socket: `{ envelope_id, payload? }`, and when. */
export interface SocketAck {
  readonly envelopeId: string;
  readonly payload?: Record<string, unknown>;
  readonly at: number;
}

export interface SlackSocketStandIn {
  /** The Web API base to give the SDK (`slackApiUrl`), ending in `/api/`. */
  readonly apiUrl: string;
  readonly appToken: string;
  readonly botToken: string;
  readonly calls: WebApiCall[];
  readonly acks: SocketAck[];
  /** WebSockets opened so far (each after an apps.connections.open). */
  opened(): number;
  /** WebSockets open now (hello sent). */
  open(): number;
  /** Members of each user group (usergroups.users.list). */
  readonly userGroups: Map<string, string[]>;
  /** Resolves once `n` sockets are open (polls, bounded). */
  waitForOpen(n: number, boundMs?: number): Promise<void>;
  /** Pushes an `interactive` envelope on the newest open socket; its envelope id. */
  push(payload: Record<string, unknown>, envelopeId?: string): string;
  /** Resolves with the envelope's acknowledgement (polls, bounded); rejects when none came in time. */
  waitForAck(envelopeId: string, boundMs?: number): Promise<SocketAck>;
  /** Cuts every socket without a close frame, as a network failure would. */
  drop(): void;
  /** Sends `{type: "disconnect"}` on every open socket, as Slack does before recycling a connection. */
  disconnect(reason?: string): void;
  /** From now on apps.connections.open answers `{ok: false, error}` (an outage, a revoked app); null: it works again. */
  refuseConnections(error: string | null): void;
  close(): Promise<void>;
}

/** Polls `done` every 10 ms until it holds, failing after `boundMs` with `what`. */
export async function until(done: () => boolean, what: string, boundMs = 5000): Promise<void> {
  const end = Date.now() + boundMs;
  while (!done()) {
    if (Date.now() > end) {
      throw new Error(`gave up waiting: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A local Slack speaking the Socket Mode protocol as documented: the Web API over HTTP POST (form-encoded or
 * JSON, the token as `Authorization: Bearer`), answering `{ok: true, …}` or Slack's `{ok: false, error}`
 * (`invalid_auth` for an unknown token, `not_allowed_token_type` for the wrong kind), and a WebSocket server
 * at the URL `apps.connections.open` hands out (a ticket good once) that says `hello`, pushes envelopes
 * `{envelope_id, type: "interactive", payload, accepts_response_payload}` and records the acknowledgements.
 */
export async function startSlackSocketStandIn(): Promise<SlackSocketStandIn> {
  const appToken = `xapp-1-A0TEST-${randomUUID().replaceAll('-', '')}`;
  const botToken = `xoxb-1-${randomUUID().replaceAll('-', '')}`;
  const calls: WebApiCall[] = [];
  const acks: SocketAck[] = [];
  const userGroups = new Map<string, string[]>();
  const tickets = new Set<string>();
  const sockets: WebSocket[] = [];
  let opened = 0;
  let port = 0;
  let refusing: string | null = null;

  const answer = (method: string, token: WebApiCall['token'], args: Record<string, unknown>): Record<string, unknown> => {
    if (token === 'none' || token === 'other') {
      return { ok: false, error: token === 'none' ? 'not_authed' : 'invalid_auth' };
    }
    if (method === 'apps.connections.open') {
      if (token !== 'app') {
        return { ok: false, error: 'not_allowed_token_type' };
      }
      if (refusing !== null) {
        return { ok: false, error: refusing };
      }
      const ticket = randomUUID();
      tickets.add(ticket);
      return { ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=${ticket}` };
    }
    if (token !== 'bot') {
      return { ok: false, error: 'not_allowed_token_type' };
    }
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://stand-in.slack.test/', team: 'Stand-in', user: 'token-audit', team_id: 'T0TEST', user_id: 'U0BOT' };
      case 'chat.update':
        return typeof args.channel === 'string' && typeof args.ts === 'string' ? { ok: true, channel: args.channel, ts: args.ts, text: args.text } : { ok: false, error: 'invalid_arguments' };
      case 'chat.postEphemeral':
        return typeof args.channel === 'string' && typeof args.user === 'string' ? { ok: true, message_ts: `${Date.now() / 1000}` } : { ok: false, error: 'invalid_arguments' };
      case 'views.open':
        return typeof args.trigger_id === 'string' && typeof args.view === 'object' ? { ok: true, view: { id: `V${randomUUID().slice(0, 8).toUpperCase()}` } } : { ok: false, error: 'invalid_arguments' };
      case 'usergroups.users.list': {
        const users = userGroups.get(String(args.usergroup));
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const args = parseArgs(req, raw);
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? (typeof args.token === 'string' ? args.token : undefined);
      const token = bearer === undefined ? 'none' : bearer === appToken ? 'app' : bearer === botToken ? 'bot' : 'other';
      calls.push({ method, token, args });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(method, token, args)));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const ticket = new URL(req.url ?? '/', 'ws://x').searchParams.get('ticket') ?? '';
    if (!tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      opened += 1;
      sockets.push(ws);
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as { envelope_id?: unknown; payload?: Record<string, unknown> };
        if (typeof message.envelope_id === 'string') {
          acks.push({ envelopeId: message.envelope_id, payload: message.payload, at: Date.now() });
        }
      });
      ws.on('close', () => sockets.splice(sockets.indexOf(ws), 1));
      ws.send(JSON.stringify({ type: 'hello', num_connections: sockets.length, debug_info: { host: 'stand-in' }, connection_info: { app_id: 'A0TEST' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  const openSockets = () => sockets.filter((s) => s.readyState === s.OPEN);
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    appToken,
    botToken,
    calls,
    acks,
    userGroups,
    opened: () => opened,
    open: () => openSockets().length,
    waitForOpen: (n, boundMs) => until(() => openSockets().length >= n, `${n} open socket(s), ${openSockets().length} open`, boundMs),
    push(payload, envelopeId = randomUUID()) {
      const socket = openSockets().at(-1);
      if (!socket) {
        throw new Error('no open socket to push an envelope on');
      }
      socket.send(JSON.stringify({ envelope_id: envelopeId, type: 'interactive', payload, accepts_response_payload: payload.type === 'view_submission' }));
      return envelopeId;
    },
    async waitForAck(envelopeId, boundMs = 3000) {
      await until(() => acks.some((a) => a.envelopeId === envelopeId), `the acknowledgement of ${envelopeId}`, boundMs);
      return acks.find((a) => a.envelopeId === envelopeId) as SocketAck;
    },
    drop() {
      for (const s of [...sockets]) {
        s.terminate();
      }
    },
    disconnect(reason = 'refresh_requested') {
      for (const s of openSockets()) {
        s.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'stand-in' } }));
      }
    },
    refuseConnections(error) {
      refusing = error;
    },
    async close() {
      for (const s of [...sockets]) {
        s.terminate();
      }
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Web API request's arguments: form-encoded (objects as JSON strings, as the SDK sends them) or JSON. */
function parseArgs(req: IncomingMessage, raw: string): Record<string, unknown> {
  if ((req.headers['content-type'] ?? '').startsWith('application/json')) {
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parseQuery(raw))) {
    const text = Array.isArray(value) ? value.join(',') : (value ?? '');
    out[key] = /^[[{]/.test(text) ? JSON.parse(text) : text;
  }
  return out;
}
