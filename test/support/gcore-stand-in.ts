import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRoleBelow } from '../../src/core/role-order.js';

/**
 * A scripted answer for one request; `undefined` lets the stand-in answer from its token store, and so
 * does an answer without `status` (after its `delayMs`). `stream` writes its chunks with backpressure and
 * stops once the client goes away; `sent` counts what was written.
 */
export interface ScriptedAnswer {
  status?: number;
  body?: string | Buffer;
  stream?: () => Iterable<Buffer>;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Answers once this settles: the test decides when (a job held in flight while it looks at the queues). */
  heldUntil?: Promise<unknown>;
  hang?: boolean;
}
export type Script = (req: IncomingMessage, count: number) => ScriptedAnswer | undefined;

export interface GcoreStandIn {
  readonly url: string;
  /** Tokens by account; each value is the raw JSON the API returns. */
  readonly accounts: Map<number, Map<number, unknown>>;
  /** API key → account id it belongs to (for /iam/clients/me and 401s). */
  readonly keys: Map<string, number>;
  /**
   * Gcore users by account, raw `User` bodies (see gcoreUser). An account without an entry answers with one
   * present, active user per issuer of its tokens, in the highest role of the tokens they issued, so tests
   * about tokens need not script people.
   */
  readonly users: Map<number, unknown[]>;
  /** API key → its own user's id (`currentUser` of /iam/clients/me; default 1). */
  readonly keyUsers: Map<string, number>;
  /** Requests seen, as "METHOD /path". */
  readonly requests: string[];
  /** Most requests in flight at once. */
  maxInFlight: number;
  /** Body bytes written by scripted `stream` answers. */
  streamedBytes: number;
  /** Each request's arrival: path and Date.now(). */
  readonly arrivals: { path: string; at: number }[];
  /** Per path overrides, matched by exact path; `count` is how many times that path was hit (1-based). */
  readonly scripts: Map<string, Script>;
  latencyMs: number;
  /** DELETE requests received (whatever was answered). */
  deletes: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/**
 * A local server speaking Gcore's documented IAM token API (v1 and v2 paths, /iam/clients/me,
 * `Authorization: APIKey <key>`, 401/403/404 bodies), with per-path scripts for faults.
 */
export async function startGcoreStandIn(): Promise<GcoreStandIn> {
  const hits = new Map<string, number>();
  let inFlight = 0;
  const state: Omit<GcoreStandIn, 'url' | 'close'> = {
    accounts: new Map(),
    users: new Map(),
    keyUsers: new Map(),
    keys: new Map(),
    requests: [],
    maxInFlight: 0,
    streamedBytes: 0,
    arrivals: [],
    scripts: new Map(),
    latencyMs: 0,
    deletes: 0,
  };
  const sockets = new Set<import('node:net').Socket>();
  const usersOf = (clientId: number): unknown[] => {
    const scripted = state.users.get(clientId);
    if (scripted !== undefined) {
      return scripted;
    }
    const issuers = new Map<number, number>();
    for (const t of state.accounts.get(clientId)?.values() ?? []) {
      const cu = (t as { client_user?: { user_id?: unknown; role?: { id?: unknown } } }).client_user;
      if (typeof cu?.user_id === 'number') {
        // The issuer holds (at least) the highest role among the tokens they issued: none of them is role-dropped.
        const role = typeof cu.role?.id === 'number' ? cu.role.id : 2;
        const held = issuers.get(cu.user_id);
        issuers.set(cu.user_id, held === undefined || isRoleBelow(held, role) ? role : held);
      }
    }
    return [...issuers].map(([id, role]) => gcoreUser(id, clientId, { client_and_roles: [{ client_id: clientId, client_company_name: 'Acme', user_id: id, user_roles: [String(role)] }] }));
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      const done = () => {
        inFlight -= 1;
      };
      res.on('close', done);
      const path = (req.url ?? '').split('?')[0] ?? '';
      state.requests.push(`${req.method} ${path}`);
      if (req.method === 'DELETE') {
        state.deletes += 1;
      }
      state.arrivals.push({ path, at: Date.now() });
      const count = (hits.get(path) ?? 0) + 1;
      hits.set(path, count);
      if (state.latencyMs > 0) {
        await new Promise((r) => setTimeout(r, state.latencyMs));
      }
      const scripted = state.scripts.get(path)?.(req, count);
      if (scripted) {
        if (scripted.hang) {
          return; // never answer: the client's timeout must fire
        }
        if (scripted.delayMs) {
          await new Promise((r) => setTimeout(r, scripted.delayMs));
        }
        await scripted.heldUntil;
      }
      if (scripted?.status !== undefined) {
        res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
        if (scripted.stream) {
          for (const chunk of scripted.stream()) {
            if (res.destroyed) {
              return;
            }
            state.streamedBytes += chunk.length;
            if (!res.write(chunk)) {
              await new Promise<void>((r) => {
                res.once('drain', r);
                res.once('close', r);
              });
            }
          }
        }
        res.end(scripted.body ?? '');
        return;
      }
      const auth = req.headers.authorization ?? '';
      const match = /^APIKey (.+)$/i.exec(auth);
      if (!match) {
        return send(res, 401, { detail: 'Authentication credentials were not provided.' });
      }
      const owner = state.keys.get(match[1] ?? '');
      if (owner === undefined) {
        return send(res, 401, { detail: 'Token is invalid or expired' });
      }
      if (path === '/iam/clients/me') {
        const currentUser = state.keyUsers.get(match[1] ?? '') ?? 1;
        return send(res, 200, { id: owner, email: 'owner@example.com', status: 'active', currentUser, users: usersOf(owner) });
      }
      if (path === '/iam/users') {
        // Gcore's paging: `limit` and `offset`; without them, every user at once.
        const query = new URL(req.url ?? '', 'http://x').searchParams;
        const all = usersOf(owner);
        const offset = Number(query.get('offset') ?? 0);
        const limit = query.has('limit') ? Number(query.get('limit')) : all.length;
        const results = all.slice(offset, offset + limit);
        const more = offset + results.length < all.length;
        return send(res, 200, { count: all.length, next: more ? `/iam/users?limit=${limit}&offset=${offset + limit}` : null, previous: null, results });
      }
      const u = /^\/iam\/users\/(\d+)$/.exec(path);
      if (u) {
        const found = usersOf(owner).find((x) => (x as { id: number }).id === Number(u[1]));
        if (found === undefined) {
          return send(res, 404, { detail: 'User not found.' });
        }
        const { client_and_roles: _, ...publicUser } = found as Record<string, unknown>;
        return send(res, 200, publicUser);
      }
      const cu = /^\/iam\/clients\/(\d+)\/client-users\/(\d+)$/.exec(path);
      if (cu) {
        const found = usersOf(owner).find((x) => (x as { id: number }).id === Number(cu[2])) as
          | { client_and_roles?: { client_id: number; user_roles: string[] }[] }
          | undefined;
        const role = found?.client_and_roles?.find((c) => c.client_id === Number(cu[1]))?.user_roles[0];
        return role === undefined
          ? send(res, 404, { detail: 'User is not found in the specified account.' })
          : send(res, 200, { user_role: { id: Number(role), name: ROLE_NAMES[role] ?? 'Users' } });
      }
      const m = /^\/iam(?:\/v2)?\/clients\/(\d+)\/tokens(?:\/(\d+))?$/.exec(path);
      if (!m) {
        return send(res, 404, { detail: 'Not found.' });
      }
      const clientId = Number(m[1]);
      if (clientId !== owner) {
        return send(res, 403, { detail: 'You do not have permission to perform this action.' });
      }
      const tokens = state.accounts.get(clientId);
      if (!tokens) {
        return send(res, 404, { detail: 'Account not found.' });
      }
      if (m[2] === undefined) {
        return send(res, 200, [...tokens.values()]);
      }
      if (req.method === 'DELETE') {
        // Gcore's documented answers: 204 once deleted, 404 when there is no such token.
        if (!tokens.delete(Number(m[2]))) {
          return send(res, 404, { detail: 'API token not found.' });
        }
        res.writeHead(204);
        return res.end();
      }
      const token = tokens.get(Number(m[2]));
      return token === undefined ? send(res, 404, { detail: 'API token not found.' }) : send(res, 200, token);
    })();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) {
          s.destroy();
        }
        server.close(() => resolve());
      }),
  });
}

const ROLE_NAMES: Record<string, string> = { '1': 'Administrators', '2': 'Users', '5': 'Engineers' };

/** A valid Gcore `User` of account `clientId` (role Users), as GET /iam/users lists it; override any field. */
export function gcoreUser(id: number, clientId = 456, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    email: `user${id}@example.com`,
    name: `User ${id}`,
    lang: 'en',
    phone: null,
    company: 'Acme',
    reseller: 1,
    client: clientId,
    deleted: false,
    groups: [{ id: 2, name: 'Users' }],
    activated: true,
    is_active: true,
    sso_auth: false,
    two_fa: false,
    auth_types: ['password'],
    user_type: 'common',
    client_and_roles: [{ client_id: clientId, client_company_name: 'Acme', user_id: id, user_roles: ['2'] }],
    ...overrides,
  };
}

/** A valid get-token body; override any field. */
export function gcoreToken(id: number, overrides: Record<string, unknown> = {}, clientId = 456): Record<string, unknown> {
  return {
    id,
    name: `token-${id}`,
    description: 'a token',
    exp_date: '2027-06-01T00:00:00.000000Z',
    expired: false,
    deleted: false,
    created: '2026-09-01T00:00:00.000000Z',
    last_usage: '2026-11-28T00:00:00.000000Z',
    client_user: {
      role: { id: 2, name: 'Users' },
      deleted: false,
      user_id: 123,
      user_name: 'John Doe',
      user_email: 'john@example.com',
      client_id: clientId,
    },
    ...overrides,
  };
}

/** `tag`, then `key` raw and URL-encoded: what an API echoing a key back would put in a field. */
export const echoOf = (key: string) => (tag: string) => `${tag} ${key} ${encodeURIComponent(key)}`;

/** Token 101 with the key echoed in every text field: name, description, issuer name and email, role name. */
export function echoingToken(key: string): Record<string, unknown> {
  const echo = echoOf(key);
  return gcoreToken(101, {
    exp_date: null,
    name: echo('name'),
    description: echo('description'),
    client_user: { ...(gcoreToken(101).client_user as object), user_name: echo('user'), user_email: echo('email'), role: { id: 1, name: echo('role') } },
  });
}
