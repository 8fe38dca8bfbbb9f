import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../src/core/errors.js';
import {
  approvalRefusal,
  fingerprintChanges,
  fingerprintOf,
  keyTokenId,
  parseTokenPair,
  protectedBy,
  requestLapsed,
} from '../../src/core/revocation.js';
import { parseConfig } from '../../src/config/load-config.js';
import { parseToken } from '../../src/gcore/parse-token.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { resolveReason } from '../../src/alerts/resolve-reason.js';
import { finding } from '../support/findings.js';

const token = (overrides: Record<string, unknown> = {}) => parseToken(gcoreToken(101, overrides));
const before = fingerprintOf(token());

describe('fingerprintChanges: what changed since the request', () => {
  it('finds nothing in the same token', () => {
    expect(fingerprintChanges(before, token({ description: 'another description' }))).toEqual([]);
  });

  it.each([
    [{ last_usage: '2026-12-01T00:00:00Z' }, /^used since the request/],
    [{ exp_date: null }, /^exp_date changed \("2027-06-01T00:00:00.000Z" -> none\)/],
    [{ name: 'renamed' }, /^renamed \("token-101" -> "renamed"\)/],
    [{ client_user: { ...(gcoreToken(101).client_user as object), role: { id: 1, name: 'Administrators' } } }, /^role changed \("Users" -> "Administrators"\)/],
    [{ client_user: { ...(gcoreToken(101).client_user as object), user_id: 7 } }, /^issuer changed \(user 123 -> 7\)/],
    [{ deleted: true }, /^marked deleted/],
    [{ expired: true }, /^expired/],
  ])('names the change %j', (overrides, phrase) => {
    const changes = fingerprintChanges(before, token(overrides));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatch(phrase);
  });

  it('keeps no email in the fingerprint', () => {
    expect(JSON.stringify(before)).not.toContain('@');
  });
});

describe('protectedBy', () => {
  it('matches a token id, in any account or in the one named', () => {
    expect(protectedBy(456, 101, 'x', [{ tokenId: 101 }])).toBe('remediation.protect lists token 101');
    expect(protectedBy(456, 101, 'x', [{ tokenId: 101, clientId: 789 }])).toBeNull();
    expect(protectedBy(456, 101, 'x', [{ tokenId: 102 }])).toBeNull();
  });

  it('matches a name pattern whole, * standing for any text, other characters literally', () => {
    expect(protectedBy(1, 1, 'prod-deploy', [{ name: 'prod-*' }])).toMatch(/covers its name/);
    expect(protectedBy(1, 1, 'my-prod-deploy', [{ name: 'prod-*' }])).toBeNull();
    expect(protectedBy(1, 1, 'ci.bot', [{ name: 'ci.bot' }])).not.toBeNull();
    expect(protectedBy(1, 1, 'ciXbot', [{ name: 'ci.bot' }])).toBeNull();
    expect(protectedBy(1, 1, 'Prod-x', [{ name: 'prod-*' }])).toBeNull();
  });
});

describe('keyTokenId', () => {
  it('reads the id before _ (v2) or $ (v1), and nothing else', () => {
    expect(keyTokenId('42_a1b2c3')).toBe(42);
    expect(keyTokenId('42$a1b2c3')).toBe(42);
    expect(keyTokenId('a1b2c3')).toBeNull();
    expect(keyTokenId('_42')).toBeNull();
  });
});

describe('the two-person rule', () => {
  it('refuses the same person, whatever case or surrounding space, and lets another approve', () => {
    expect(approvalRefusal('alice', ' ALICE ')).toMatch(/cannot also approve it/);
    expect(approvalRefusal('alice', 'bob')).toBeNull();
  });

  it('lapses a request at approvalHours, not before', () => {
    const at = '2026-12-05T00:00:00.000Z';
    expect(requestLapsed(at, 72, new Date('2026-12-07T23:59:59.999Z'))).toBe(false);
    expect(requestLapsed(at, 72, new Date('2026-12-08T00:00:00.000Z'))).toBe(true);
  });

  it('reads clientId/tokenId and nothing looser', () => {
    expect(parseTokenPair('456/101')).toEqual({ clientId: 456, tokenId: 101 });
    for (const text of ['456', '456/0', '456/101/1', 'a/b', '-1/2']) {
      expect(parseTokenPair(text)).toBeNull();
    }
  });
});

describe('remediation configuration', () => {
  const problems = (document: unknown): string[] => {
    try {
      parseConfig(document, {});
    } catch (error) {
      return [...(error as ConfigError).problems];
    }
    return [];
  };

  it('is off by default, with its defaults', () => {
    expect(parseConfig({}, {}).remediation).toEqual({ enabled: false, approvalHours: 72, historyDays: 400, protect: [], quarantine: [] });
  });

  it('resolves each account\'s deleting key: its own, else remediation.apiKeyEnv', () => {
    const config = parseConfig(
      { accounts: [{ clientId: 1, remediationKeyEnv: 'DEL_1' }, { clientId: 2 }], remediation: { enabled: true, apiKeyEnv: 'DEL_ALL', protect: [7, { name: 'ci-*' }] } },
      {},
    );
    expect(config.accounts.map((a) => a.remediationKeyEnv)).toEqual(['DEL_1', 'DEL_ALL']);
    expect(config.remediation?.protect).toEqual([{ tokenId: 7 }, { name: 'ci-*' }]);
  });

  it('refuses, with paths: enabled without a deleting key, the audit key or a webhook as the deleting key, unknown keys', () => {
    expect(problems({ remediation: { enabled: true } })).toEqual([expect.stringMatching(/^accounts\[0\]\.remediationKeyEnv: remediation is enabled: name the variable/)]);
    expect(problems({ accounts: [{ apiKeyEnv: 'KEY_A', remediationKeyEnv: 'KEY_A' }] })).toEqual([expect.stringMatching(/^accounts\[0\]\.remediationKeyEnv: KEY_A holds the Gcore API key of accounts\[0\]/)]);
    expect(problems({ notify: { slack: { routes: [{ name: 'a', webhookEnv: 'HOOK_A' }] } }, remediation: { apiKeyEnv: 'HOOK_A' } })).toEqual([expect.stringMatching(/^remediation\.apiKeyEnv: HOOK_A holds the Slack webhook of route "a"/)]);
    expect(problems({ remediation: { apiKeyEnv: 'REDIS_PASSWORD' } })).toEqual([expect.stringMatching(/^remediation\.apiKeyEnv: REDIS_PASSWORD is read by gcore-token-audit/)]);
    expect(problems({ remediation: { enabled: true, apiKeyEnv: 'D', dryrun: true } })).toEqual(['remediation.dryrun: unknown key']);
  });

  it('reads remediation.quarantine: a rule id, a bounded positive afterHours, dryRun true unless said', () => {
    const config = parseConfig(
      { remediation: { enabled: true, apiKeyEnv: 'D', quarantine: [{ rule: 'never-expiring-admin', afterHours: 24 }, { rule: 'stale', afterHours: 8760, dryRun: false }] } },
      {},
    );
    expect(config.remediation?.quarantine).toEqual([
      { rule: 'never-expiring-admin', afterHours: 24, dryRun: true },
      { rule: 'stale', afterHours: 8760, dryRun: false },
    ]);
  });

  it('refuses a bad quarantine entry with its path, and any quarantine while remediation is off', () => {
    const on = (entry: unknown) => problems({ remediation: { enabled: true, apiKeyEnv: 'D', quarantine: [entry] } });
    expect(on({ rule: 'no-such-rule', afterHours: 24 })).toEqual([expect.stringMatching(/^remediation\.quarantine\[0\]\.rule: /)]);
    expect(on({ rule: 'stale', afterHours: 0 })).toEqual([expect.stringMatching(/^remediation\.quarantine\[0\]\.afterHours: /)]);
    expect(on({ rule: 'stale', afterHours: 1.5 })).toEqual([expect.stringMatching(/^remediation\.quarantine\[0\]\.afterHours: /)]);
    expect(on({ rule: 'stale', afterHours: 8761 })).toEqual([expect.stringMatching(/^remediation\.quarantine\[0\]\.afterHours: /)]);
    expect(on({ rule: 'stale', afterHours: 24, dryRun: 'no' })).toEqual([expect.stringMatching(/^remediation\.quarantine\[0\]\.dryRun: /)]);
    expect(on({ rule: 'stale', afterHours: 24, after: 1 })).toEqual(['remediation.quarantine[0].after: unknown key']);
    expect(problems({ remediation: { quarantine: [{ rule: 'stale', afterHours: 24 }] } })).toEqual([
      'remediation.quarantine: needs remediation.enabled: true (a dry run too); remove it, or turn remediation on',
    ]);
  });
});

describe('a revoked finding resolves', () => {
  const revoked = finding(101, 'stale', 'medium', { revoked: { by: 'alice', approvedBy: 'bob' } });
  const now = new Date('2026-12-05T00:00:00Z');

  it('as revoked by the one who asked, approved by the other, once the token is gone', () => {
    expect(resolveReason(revoked, { status: 'gone' }, now)).toBe('revoked by alice, approved by bob');
    expect(resolveReason(finding(101), { status: 'gone' }, now)).toBe('deleted');
  });
});
