import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { Report } from '../../src/core/report.js';
import { GcoreNotFoundError } from '../../src/core/errors.js';
import { createGcoreApi } from '../../src/gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';
import { issuerFacts, readRoster, USERS_PAGE } from '../../src/run/read-roster.js';
import { gcoreToken, gcoreUser, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';

const KEY = '456_gcore-secret-key-people';
const NOW = '2026-11-29T12:00:00Z';
const USERS = 250; // three pages of USERS_PAGE
const issuedBy = (userId: number) => ({
  role: { id: 2, name: 'Users' },
  deleted: false,
  user_id: userId,
  user_name: `User ${userId}`,
  user_email: `user${userId}@example.com`,
  client_id: 456,
});

let gcore: GcoreStandIn;

beforeEach(async () => {
  gcore = await startGcoreStandIn();
  gcore.keys.set(KEY, 456);
  gcore.keyUsers.set(KEY, 3);
  const users = Array.from({ length: USERS }, (_, i) => gcoreUser(i + 1));
  users[4] = gcoreUser(5, 456, { deleted: true });
  users[5] = gcoreUser(6, 456, { is_active: false });
  users[6] = gcoreUser(7, 456, { sso_auth: true, auth_types: ['sso'], client_and_roles: [{ client_id: 456, client_company_name: 'Acme', user_id: 7, user_roles: ['1'] }] });
  gcore.users.set(456, users);
  // Tokens of ten issuers, of whom user 3 is the key's own and user 900 is not in the roster (404: deleted).
  const issuers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 900];
  gcore.accounts.set(456, new Map(issuers.flatMap((u, i) => [[100 + i, gcoreToken(100 + i, { client_user: issuedBy(u) })], [200 + i, gcoreToken(200 + i, { client_user: issuedBy(u) })]])));
});

afterEach(async () => {
  await gcore.close();
});

function api() {
  return createGcoreApi({ baseUrl: gcore.url, apiVersion: 'v2', timeoutMs: 2000, retries: 1, retryBaseDelayMs: 1, limiter: createRequestLimiter({ concurrency: 4 }) });
}

async function audit(config: string) {
  const out: string[] = [];
  const logs = logSink();
  const path = join(mkdtempSync(join(tmpdir(), 'people-')), 'audit.yaml');
  writeFileSync(path, config);
  const code = await runCli(['audit', '--config', path, '--format', 'json', '--now', NOW], {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: () => undefined },
    env: { GCORE_API_URL: gcore.url, GCORE_API_KEY: KEY },
    logDestination: logs,
    gcoreRetryBaseDelayMs: 1,
  });
  return { code, report: JSON.parse(out.join('')) as Report, logs };
}

const CONFIG = `
gcore: { concurrency: 4, timeoutMs: 2000, retries: 1 }
accounts:
  - clientId: 456
    discover: true
`;

const count = (prefix: string) => gcore.requests.filter((r) => r.startsWith(prefix)).length;

describe('the people, read once per run', () => {
  it('reads an account of 250 users in ceil(250 / page) list calls, and asks only for the one user the roster lacks', async () => {
    const { code, report, logs } = await audit(CONFIG);
    expect(code).toBe(0);
    expect(report.summary.tokensAudited).toBe(20);
    expect(count('GET /iam/users?')).toBe(0); // the stand-in records paths without the query
    expect(count('GET /iam/users')).toBe(Math.ceil(USERS / USERS_PAGE) + 1);
    expect(gcore.requests.filter((r) => r === 'GET /iam/users/900')).toHaveLength(1); // two tokens, one call
    expect(gcore.requests.filter((r) => /^GET \/iam\/users\/\d+$/.test(r))).toHaveLength(1);
    expect(gcore.requests.filter((r) => r.includes('client-users'))).toHaveLength(0);
    // Both tokens of the key's own user are marked in the report.
    expect(report.keyUserTokens).toEqual(['456:102', '456:202']);
    expect(report.coverage).toEqual([]);
    // No person's email reaches a log line.
    expect(logs.text()).not.toMatch(/@example\.com/);
  });

  it('reads the people while it reads the tokens, and each token still gets its issuer\'s facts', async () => {
    gcore.latencyMs = 5; // requests overlap only when answers take a moment
    const { code, report } = await audit(CONFIG);
    expect(code).toBe(0);
    const isGet = (r: string) => /^GET \/iam\/v2\/clients\/456\/tokens\/\d+$/.test(r);
    const firstGet = gcore.requests.findIndex(isGet);
    const lastPage = gcore.requests.lastIndexOf('GET /iam/users');
    // The roster's pages are read one after another; the token gets do not wait for the last of them.
    expect(firstGet).toBeGreaterThan(-1);
    expect(firstGet).toBeLessThan(lastPage);
    expect(gcore.requests.filter(isGet)).toHaveLength(20);
    expect(count('GET /iam/users')).toBe(Math.ceil(USERS / USERS_PAGE) + 1);
    expect(report.keyUserTokens).toEqual(['456:102', '456:202']);
    expect(report.findings.filter((f) => f.tokenId === 104 || f.tokenId === 109).map((f) => `${f.tokenId}:${f.rule}`).sort()).toEqual(
      expect.arrayContaining(['104:issuer-deleted', '109:issuer-deleted']),
    );
  });

  it('an unreadable roster is a coverage gap of the account, not a pass', async () => {
    gcore.scripts.set('/iam/users', () => ({ status: 500, body: '{"detail":"boom"}' }));
    const { code, report, logs } = await audit(CONFIG);
    expect(report.summary.tokensAudited).toBe(20);
    expect(report.coverage).toEqual([expect.stringMatching(/^account 456: its users could not be read: .*HTTP 500.*\(issuer checks skipped\)$/)]);
    // A high finding of its own (`--fail-on high` fails on it); the tokens themselves were audited.
    expect(report.findings.filter((f) => f.rule === 'coverage-gap').map((f) => `${f.clientId}:${f.severity}`)).toEqual(['456:high']);
    expect(code).toBe(0);
    // Issuer checks are skipped for the account: no user is asked for one by one.
    expect(gcore.requests.filter((r) => /^GET \/iam\/users\/\d+$/.test(r))).toHaveLength(0);
    expect(logs.parsed().filter((l) => String(l.msg).startsWith("account's people not read: its users could not be read"))).toHaveLength(1);
    expect(logs.text()).not.toMatch(/@example\.com/);
  });

  it('builds each issuer\'s facts from the roster: deleted, cannot sign in, SSO, role, the key\'s own user; 404 is deleted', async () => {
    const roster = await readRoster(456, KEY, api());
    expect(roster.error).toBeNull();
    expect(roster.keyUserId).toBe(3);
    expect(roster.facts.size).toBe(USERS);
    expect(roster.facts.get(1)).toEqual({ gcore: 'present', canSignIn: true, sso: false, currentRoleId: 2, lastLogin: undefined, directory: { status: 'unknown' }, isKeyUser: false });
    expect(roster.facts.get(3)?.isKeyUser).toBe(true);
    expect(roster.facts.get(5)?.gcore).toBe('deleted');
    expect(roster.facts.get(6)?.canSignIn).toBe(false);
    expect(roster.facts.get(7)).toMatchObject({ sso: true, currentRoleId: 1 });
    expect(JSON.stringify([...roster.facts])).not.toContain('@');
    expect(await issuerFacts(roster, 900, KEY, api())).toMatchObject({ gcore: 'deleted', canSignIn: false });
    // A user the roster lacks but Gcore knows (listed after the roster was read).
    gcore.users.get(456)?.push(gcoreUser(901, 456, { activated: false }));
    expect(await issuerFacts(roster, 901, KEY, api())).toMatchObject({ gcore: 'present', canSignIn: false, currentRoleId: null });
  });

  it('reads a user\'s current role in an account, 404 when the user is not in it, through the same client', async () => {
    expect(await api().getClientUser?.(456, 7, KEY)).toEqual({ user_role: { id: 1, name: 'Administrators' } });
    await expect(api().getClientUser?.(456, 999, KEY)).rejects.toThrow(GcoreNotFoundError);
    await expect(api().getUser?.(999, KEY)).rejects.toThrow(GcoreNotFoundError);
  });

  it('names the bad field of a malformed user list', async () => {
    gcore.scripts.set('/iam/users', () => ({ status: 200, body: JSON.stringify({ count: 1, results: [{ id: 1, email: 'a@example.com', deleted: 'no' }] }) }));
    const roster = await readRoster(456, KEY, api());
    expect(roster.error).toMatch(/invalid user list at offset 0: deleted:/);
    expect(roster.error).not.toContain('a@example.com');
  });
});
