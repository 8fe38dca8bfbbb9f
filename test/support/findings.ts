import { findingId, type Finding } from '../../src/core/finding.js';
import type { RuleId } from '../../src/core/rule-catalog.js';
import type { Severity } from '../../src/core/severity.js';

export function finding(tokenId: number, rule: RuleId = 'stale', severity: Severity = 'medium', overrides: Partial<Finding> & { accountName?: string | null } = {}): Finding {
  return {
    id: findingId(456, tokenId, rule),
    rule,
    severity,
    clientId: 456,
    accountName: null,
    tokenId,
    tokenName: `token-${tokenId}`,
    role: 'Users',
    owner: 'platform-team',
    issuer: { userId: 1, name: 'John Doe', email: 'john@example.com', deleted: false },
    created: '2026-01-01T00:00:00.000Z',
    lastUsage: '2026-05-01T00:00:00.000Z',
    expDate: null,
    message: 'Not used for 212 days (limit: 90 days).',
    remediation: 'Confirm with the owner that it is still needed; delete it if not.',
    muted: false,
    muteReason: null,
    ...overrides,
  };
}
