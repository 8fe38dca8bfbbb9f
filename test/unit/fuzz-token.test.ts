import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { auditToken } from '../../src/run/audit-token.js';
import { evaluateToken } from '../../src/core/evaluate-token.js';
import { DEFAULT_THRESHOLDS, ROLE_NAMES } from '../../src/core/policy.js';
import { RULE_IDS } from '../../src/core/rule-catalog.js';
import { SEVERITIES } from '../../src/core/severity.js';
import { isActive, type Token } from '../../src/core/token.js';
import type { TokenRef } from '../../src/core/token-ref.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { NOW } from '../support/tokens.js';

const policy = { ...DEFAULT_THRESHOLDS, roles: { Administrators: { staleAfterDays: 30 } } };
const ref: TokenRef = { clientId: 456, tokenId: 101, apiKeyEnv: 'K', owner: null, listedName: 'listed', inInventory: true, inventoryDeclared: true, failure: null };
const secrets = { get: () => 'key', known: () => [] };
const audit = (raw: unknown) =>
  auditToken(ref, { api: { getAccountId: () => Promise.resolve(456), listTokens: () => Promise.resolve([]), getToken: () => Promise.resolve(raw) }, secrets, policy, now: NOW });

function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) {
    v = i % 2 ? [v] : { nested: v };
  }
  return v;
}

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(
    null, -1, 0, -0.5, 1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', true, [], {},
    '9999-12-31T23:59:59.999999Z', '0001-01-01 00:00:00+00:00', '2021-02-30T00:00:00Z', '2021-01-01T12:00:00',
    '2021-01-01T12:00:00+99:00', 'x'.repeat(100_000), '<!channel> *bold* `x`', 'ünïcødé 🚀 \u202e\u0000', deep(500),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const FIELDS = ['id', 'name', 'description', 'exp_date', 'expired', 'deleted', 'created', 'last_usage', 'client_user',
  'client_user.deleted', 'client_user.user_id', 'client_user.user_name', 'client_user.user_email', 'client_user.client_id',
  'client_user.role', 'client_user.role.id', 'client_user.role.name'] as const;

function mutate(path: string, value: unknown, remove: boolean): Record<string, unknown> {
  const token = structuredClone(gcoreToken(101));
  const keys = path.split('.');
  let obj = token;
  for (const k of keys.slice(0, -1)) {
    obj = obj[k] as Record<string, unknown>;
  }
  const last = keys.at(-1) as string;
  if (remove) {
    delete obj[last];
  } else {
    obj[last] = value;
  }
  return token;
}

function checkResult(result: Awaited<ReturnType<typeof audit>>) {
  expect(['audited', 'failed']).toContain(result.status);
  for (const f of result.findings) {
    expect(RULE_IDS).toContain(f.rule);
    expect(SEVERITIES).toContain(f.severity);
    expect(f.tokenName === null || f.tokenName.length <= 4096).toBe(true);
  }
  if (result.status === 'failed') {
    expect(result.findings.map((f) => f.rule)).toEqual(['audit-failed']);
    expect(result.findings[0]?.tokenName).toBe('listed'); // still named, from the listing
    expect(result.findings[0]?.message).toMatch(/^Could not be audited: invalid token response: (\(response\)|[a-z_.]+): \S/);
  }
}

describe('fuzz: token responses', () => {
  it('any JSON as a response is audited or audit-failed naming the problem, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(junk, async (raw) => checkResult(await audit(raw))),
      { numRuns: 400, seed: 20261129 },
    );
  });

  it('a valid token with one field broken or missing is audit-failed naming that field (or still valid)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FIELDS), junk, fc.boolean(), async (path, value, remove) => {
        const result = await audit(mutate(path, value, remove));
        checkResult(result);
        if (result.status === 'failed') {
          const field = /invalid token response: ([^:]+):/.exec(result.findings[0]?.message ?? '')?.[1] ?? '';
          expect(path === field || path.startsWith(`${field}.`) || field.startsWith(`${path}.`) || (path === 'id' && field === 'id')).toBe(true);
        }
      }),
      { numRuns: 600, seed: 42 },
    );
  });

  it('audits a token with an enormous name, the name cut for display', async () => {
    const result = await audit({ ...mutate('name', 'x'.repeat(1_000_000), false), exp_date: null });
    expect(result.status).toBe('audited');
    expect(result.findings.map((f) => f.rule)).toEqual(['never-expiring']);
    expect(result.findings.every((f) => f.tokenName === `${'x'.repeat(4096)}… (cut)`)).toBe(true);
  });

  it('names the bad field of an enormous date', async () => {
    const result = await audit(mutate('created', `2021-01-01T12:00:00.${'0'.repeat(1_000_000)}Z`, false));
    expect(result.findings[0]?.message).toBe('Could not be audited: invalid token response: created: longer than 64 characters');
  });
});

describe('fuzz: rules', () => {
  const date = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true });
  const token = fc.record({
    id: fc.integer({ min: 1 }),
    name: fc.string(),
    description: fc.option(fc.string(), { nil: null }),
    expDate: fc.option(date, { nil: null }),
    expired: fc.boolean(),
    deleted: fc.boolean(),
    created: date,
    lastUsage: fc.option(date, { nil: null }),
    issuer: fc.record({ deleted: fc.boolean(), userId: fc.integer({ min: 1 }), name: fc.string(), email: fc.string(), clientId: fc.integer({ min: 1 }) }),
    role: fc.oneof(
      fc.constantFrom(...ROLE_NAMES).map((name) => ({ id: name === 'Administrators' ? 1 : 2, name })),
      fc.record({ id: fc.integer({ min: 1 }), name: fc.string() }),
    ),
  }) as fc.Arbitrary<Token>;
  const standing = fc.record({ inInventory: fc.boolean(), inventoryDeclared: fc.boolean() });

  it('never throw, and keep their invariants, for any valid token at any instant', () => {
    fc.assert(
      fc.property(token, standing, date, (t, s, now) => {
        const rules = evaluateToken(t, s, now, policy).map((h) => h.rule);
        expect(new Set(rules).size).toBe(rules.length);
        if (!isActive(t, now)) {
          expect(rules).toEqual(s.inInventory ? ['token-gone'] : []);
        } else {
          expect(rules).not.toContain('token-gone');
          expect(rules.includes('stale') && rules.includes('never-used')).toBe(false);
          expect(rules.includes('never-expiring') && rules.includes('never-expiring-admin')).toBe(false);
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
