import { describe, expect, it } from '@jest/globals';
import { auditToken } from '../../src/run/audit-token.js';
import { DEFAULT_THRESHOLDS } from '../../src/core/policy.js';
import type { TokenRef } from '../../src/core/token-ref.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { NOW } from '../support/tokens.js';

const ref: TokenRef = { clientId: 456, tokenId: 101, apiKeyEnv: 'K', owner: null, listedName: null, inInventory: true, inventoryDeclared: true, failure: null };
const policy = { ...DEFAULT_THRESHOLDS, roles: { Administrators: { staleAfterDays: 30 } } };
const audit = (raw: unknown) =>
  auditToken(ref, {
    api: { getAccountId: () => Promise.resolve(456), listTokens: () => Promise.resolve([]), getToken: () => Promise.resolve(raw) },
    secrets: { get: () => 'key-value-1', known: () => [] },
    policy,
    now: NOW,
  });
const withRole = (role: unknown, overrides: Record<string, unknown> = {}) =>
  gcoreToken(101, { client_user: { ...(gcoreToken(101).client_user as object), role }, ...overrides });

describe('a role Gcore did not identify', () => {
  it.each([
    ['{}', {}],
    ['without an id', { name: 'Users' }],
    ['without a name', { id: 2 }],
  ])('%s fails closed: a never-expiring token of it is never-expiring-admin, shown as "unknown role"', async (_label, role) => {
    const result = await audit(withRole(role, { exp_date: null }));
    expect(result.status).toBe('audited');
    expect(result.findings.map((f) => [f.rule, f.severity, f.role])).toEqual([['never-expiring-admin', 'critical', 'unknown role']]);
    expect(result.findings[0]?.message).toBe('Token of an unknown role (judged as Administrators) that never expires.');
  });

  it('gets the Administrators thresholds and severity for staleness', async () => {
    const stale = await audit(withRole({}, { last_usage: '2026-10-01T00:00:00Z' })); // 59 days: stale only for Administrators (30)
    expect(stale.findings.map((f) => [f.rule, f.severity])).toEqual([['stale', 'high']]);
    const users = await audit(withRole({ id: 2, name: 'Users' }, { last_usage: '2026-10-01T00:00:00Z' }));
    expect(users.findings).toEqual([]);
  });

  it('with a name but no id, gets the Administrators thresholds, not those of the role it names', async () => {
    // 59 days idle: stale under the Administrators' 30, not under the policy's 90 that Users would get.
    const named = await audit(withRole({ name: 'Users' }, { last_usage: '2026-10-01T00:00:00Z' }));
    expect(named.findings.map((f) => [f.rule, f.severity, f.role])).toEqual([['stale', 'high', 'unknown role']]);
    expect(named.findings[0]?.message).toBe('Not used for 59 days (limit: 30 days).');
  });
});
