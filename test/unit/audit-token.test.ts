import { describe, expect, it } from '@jest/globals';
import { GcoreAuthError, GcoreNotFoundError, GcoreUnavailableError, SecretError, SecretNotSetError } from '../../src/core/errors.js';
import { UNKNOWN_ISSUER, type IssuerFacts } from '../../src/core/issuer-facts.js';
import { DEFAULT_THRESHOLDS } from '../../src/core/policy.js';
import type { Secrets } from '../../src/config/secrets.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import { auditToken, failedResult, type AuditTokenDeps } from '../../src/run/audit-token.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { NOW, tokenRef } from '../support/tokens.js';

const KEY = 'key-value-123456';
const ref = tokenRef(456, 101);
const secrets: Secrets = { get: () => KEY, known: () => [KEY] };
/** A Gcore whose get-token answers `raw` (or throws it), counting its calls. */
function gcore(raw: unknown): GcoreApi & { gets: number } {
  const api = {
    gets: 0,
    getAccountId: () => Promise.resolve(456),
    listTokens: () => Promise.resolve([]),
    getToken: () => {
      api.gets += 1;
      return raw instanceof Error ? Promise.reject(raw) : Promise.resolve(raw);
    },
  };
  return api;
}
const POLICY = { ...DEFAULT_THRESHOLDS, roles: {} };
const deps = (api: GcoreApi, more: Partial<AuditTokenDeps> = {}): AuditTokenDeps => ({ api, secrets, policy: POLICY, now: NOW, ...more });
/** The refused keys of a run, in memory. */
function refusedKeys(held: Record<string, string> = {}) {
  const keys = new Map(Object.entries(held));
  return { keys, get: (id: string) => Promise.resolve(keys.get(id)), set: (id: string, reason: string) => Promise.resolve(void keys.set(id, reason)) };
}

describe('auditToken: what a token the run could not read becomes', () => {
  it("a ref queued with its key's failure is that refusal, with nothing asked", async () => {
    const api = gcore(gcoreToken(101));
    expect(await auditToken(tokenRef(456, 101, { failure: 'K was rejected (401)' }), deps(api))).toEqual({
      clientId: 456, tokenId: 101, status: 'failed', findings: [], refused: 'K was rejected (401)',
    });
    expect(api.gets).toBe(0);
  });

  it('a key refused earlier in the run holds the token without a request; a key refused now is remembered for the others', async () => {
    const api = gcore(new GcoreAuthError('Invalid token'));
    const refused = refusedKeys();
    expect(await auditToken(ref, deps(api, { refusedKeys: refused }))).toMatchObject({ status: 'failed', findings: [], refused: 'GCORE_API_KEY was rejected (401)' });
    expect(refused.keys).toEqual(new Map([['GCORE_API_KEY:456', 'GCORE_API_KEY was rejected (401)']]));
    expect(await auditToken(tokenRef(456, 102), deps(api, { refusedKeys: refused }))).toMatchObject({ tokenId: 102, refused: 'GCORE_API_KEY was rejected (401)' });
    expect(api.gets).toBe(1);
    // Without a store of refused keys (the one-shot audit), the refusal is the result all the same.
    expect(await auditToken(ref, deps(api))).toMatchObject({ status: 'failed', refused: 'GCORE_API_KEY was rejected (401)' });
    // Another account's key is its own.
    expect((await auditToken(tokenRef(789, 1), deps(gcore(gcoreToken(1)), { refusedKeys: refused }))).status).toBe('audited');
  });

  it("a key not set or unreadable is a refusal (the account's gap, told once); a bug is let through", async () => {
    const throwing = (error: Error): Secrets => ({
      get: () => {
        throw error;
      },
      known: () => [],
    });
    const api = gcore(gcoreToken(101));
    expect(await auditToken(ref, deps(api, { secrets: throwing(new SecretNotSetError('GCORE_API_KEY')) }))).toMatchObject({ status: 'failed', refused: 'GCORE_API_KEY is not set (nor GCORE_API_KEY_FILE)' });
    const unreadable = await auditToken(ref, deps(api, { secrets: throwing(new SecretError('GCORE_API_KEY_FILE cannot be read')) }));
    // SecretError is a refusal of its own kind (keyRefusal): the whole account is held, told once.
    expect(unreadable).toMatchObject({ status: 'failed', refused: 'GCORE_API_KEY_FILE cannot be read' });
    await expect(auditToken(ref, deps(api, { secrets: throwing(new TypeError('bug')) }))).rejects.toThrow('bug');
    expect(api.gets).toBe(0);
  });

  it('a 404 is a token gone: an inventory token says so (token-gone), a listed one resolves quietly', async () => {
    expect(await auditToken(ref, deps(gcore(new GcoreNotFoundError('Not found'))))).toEqual({ clientId: 456, tokenId: 101, status: 'gone', findings: [] });
    const gone = await auditToken(tokenRef(456, 101, { inInventory: true, owner: 'platform-team', listedName: 'ci' }), deps(gcore(new GcoreNotFoundError('Not found'))));
    expect(gone.status).toBe('gone');
    expect(gone.findings.map((f) => [f.rule, f.severity, f.tokenName, f.owner, f.message])).toEqual([
      ['token-gone', 'info', 'ci', 'platform-team', 'The inventory lists this token, but Gcore no longer has it (HTTP 404).'],
    ]);
  });

  it('an error of Gcore is an audit-failed finding with the key redacted; a bug is let through', async () => {
    const failed = await auditToken(ref, deps(gcore(new GcoreUnavailableError(`HTTP 503 (${KEY})`, undefined))));
    expect(failed.status).toBe('failed');
    expect(failed.findings.map((f) => [f.rule, f.severity])).toEqual([['audit-failed', 'high']]);
    expect(failed.findings[0]?.message).toMatch(/^Could not be audited: HTTP 503 \(/);
    expect(failed.findings[0]?.message).not.toContain(KEY);
    await expect(auditToken(ref, deps(gcore(new TypeError('bug'))))).rejects.toThrow('bug');
  });

  it('an answer that is not a token, or another token, is a failure', async () => {
    const invalid = await auditToken(ref, deps(gcore({ id: 101 })));
    expect(invalid.status).toBe('failed');
    expect(invalid.findings[0]?.message).toMatch(/^Could not be audited: invalid token response/);
    const other = await auditToken(ref, deps(gcore(gcoreToken(102))));
    expect(other.findings[0]?.message).toBe('Could not be audited: invalid token response: id: expected 101, got 102');
  });

  it('failedResult names the token by its listed name and nothing it did not read', () => {
    expect(failedResult(tokenRef(456, 7, { listedName: 'deploy', owner: 'ops' }), 'HTTP 500').findings).toEqual([
      expect.objectContaining({ rule: 'audit-failed', tokenName: 'deploy', owner: 'ops', role: null, issuer: null, created: null, lastUsage: null, expDate: null, message: 'Could not be audited: HTTP 500' }),
    ]);
  });
});

describe('auditToken: a token read', () => {
  it('breaking no rule: audited, no finding, its snapshot; its row only when asked for', async () => {
    const result = await auditToken(tokenRef(456, 101, { inInventory: true }), deps(gcore(gcoreToken(101))));
    expect(result).toEqual({
      clientId: 456,
      tokenId: 101,
      status: 'audited',
      findings: [],
      snapshot: { expDate: '2027-06-01T00:00:00.000Z', expired: false, deleted: false, lastUsage: '2026-11-28T00:00:00.000Z', issuerDeleted: false, inInventory: true },
    });
    expect(Object.isFrozen(result.findings)).toBe(true);
    const withRow = await auditToken(tokenRef(456, 101, { owner: 'platform-team' }), deps(gcore(gcoreToken(101, { last_usage: null })), { rows: true }));
    expect(withRow.row).toEqual({
      name: 'token-101', role: 'Users', owner: 'platform-team', issuer: { userId: 123, name: 'John Doe', deleted: false },
      created: '2026-09-01T00:00:00.000Z', lastUsage: null, expDate: '2027-06-01T00:00:00.000Z',
    });
    expect(withRow.snapshot?.lastUsage).toBeNull();
    expect((await auditToken(ref, deps(gcore(gcoreToken(101, { exp_date: null })), { rows: true }))).row).toMatchObject({ owner: 'john@example.com', expDate: null });
  });

  it("breaking a rule: a finding with the token's facts, owned by the inventory's owner, else the issuer's email", async () => {
    const admin = gcoreToken(101, { exp_date: null, client_user: { ...(gcoreToken(101).client_user as object), role: { id: 1, name: 'Administrators' } } });
    const [f] = (await auditToken(ref, deps(gcore(admin)))).findings;
    expect(f).toEqual({
      id: expect.any(String) as unknown as string,
      rule: 'never-expiring-admin',
      severity: 'critical',
      clientId: 456,
      accountName: null,
      tokenId: 101,
      tokenName: 'token-101',
      role: 'Administrators',
      owner: 'john@example.com',
      issuer: { userId: 123, name: 'John Doe', email: 'john@example.com', deleted: false },
      created: '2026-09-01T00:00:00.000Z',
      lastUsage: '2026-11-28T00:00:00.000Z',
      expDate: null,
      message: 'Administrators token that never expires.',
      remediation: expect.any(String) as unknown as string,
      muted: false,
      muteReason: null,
    });
    const owned = await auditToken(tokenRef(456, 101, { owner: 'platform-team' }), deps(gcore(admin)));
    expect(owned.findings[0]?.owner).toBe('platform-team');
  });

  it("echoed keys are redacted from the token's texts before anything keeps them", async () => {
    const echo = gcoreToken(101, { exp_date: null, name: `name ${KEY}`, client_user: { ...(gcoreToken(101).client_user as object), role: { id: 1, name: 'Administrators' }, user_name: `n ${KEY}`, user_email: `e${KEY}@x.io` } });
    const result = await auditToken(ref, deps(gcore(echo), { rows: true }));
    expect(JSON.stringify(result)).not.toContain(KEY);
    expect(result.findings[0]?.tokenName).toMatch(/^name /);
  });

  it("whose issuer is gone: the finding routes to no one's email (the inventory's owner or none); the key's own user is marked", async () => {
    const deleted: IssuerFacts = { ...UNKNOWN_ISSUER, gcore: 'deleted', canSignIn: false };
    const gone = await auditToken(ref, deps(gcore(gcoreToken(101)), { issuerOf: () => Promise.resolve(deleted) }));
    expect(gone.findings.map((f) => [f.rule, f.owner])).toEqual([['issuer-deleted', null]]);
    // Every finding of such a token, not only the issuer's: a never-expiring admin token of a deleted user too.
    const admin = gcoreToken(101, { exp_date: null, client_user: { ...(gcoreToken(101).client_user as object), role: { id: 1, name: 'Administrators' } } });
    const both = await auditToken(ref, deps(gcore(admin), { issuerOf: () => Promise.resolve(deleted) }));
    expect(both.findings.map((f) => [f.rule, f.owner])).toEqual([['never-expiring-admin', null], ['issuer-deleted', null]]);
    const left = await auditToken(ref, deps(gcore(gcoreToken(101)), { directory: { verdict: () => ({ status: 'left', leftAt: null }) } }));
    expect(left.findings.map((f) => [f.rule, f.owner])).toEqual([['issuer-left', null]]);
    const asked: string[] = [];
    const active = await auditToken(ref, deps(gcore(gcoreToken(101)), { directory: { verdict: (email) => (asked.push(email), { status: 'active' }) } }));
    expect(active.findings).toEqual([]);
    expect(asked).toEqual(['john@example.com']);
    const keyUser = await auditToken(ref, deps(gcore(gcoreToken(101)), { issuerOf: (clientId, userId, apiKey) => Promise.resolve({ ...UNKNOWN_ISSUER, isKeyUser: clientId === 456 && userId === 123 && apiKey === KEY }) }));
    expect(keyUser.keyUser).toBe(true);
    expect((await auditToken(ref, deps(gcore(gcoreToken(101))))).keyUser).toBeUndefined();
  });

  it('counts the issuer rules it could not evaluate', async () => {
    const policy = { ...POLICY, dormantAfterDays: 90 };
    const unknown = await auditToken(ref, deps(gcore(gcoreToken(101)), { policy }));
    expect(unknown.notEvaluated).toContain('issuer-dormant');
    const known = await auditToken(ref, deps(gcore(gcoreToken(101)), { policy, issuerOf: () => Promise.resolve({ ...UNKNOWN_ISSUER, gcore: 'present', canSignIn: true, sso: false, currentRoleId: 2, lastLogin: NOW.toISOString(), directory: { status: 'active' } }) }));
    expect(known.notEvaluated).toBeUndefined();
  });
});
