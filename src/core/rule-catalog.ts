import type { Severity } from './severity.js';

export const RULE_IDS = [
  'never-expiring-admin',
  'never-expiring',
  'stale',
  'never-used',
  'lifetime-too-long',
  'expiring-soon',
  'orphaned',
  'token-gone',
  'not-in-inventory',
  'audit-failed',
  'coverage-gap',
  'slack-route-failing',
  'issuer-left',
  'issuer-deleted',
  'issuer-inactive',
  'issuer-dormant',
  'issuer-role-dropped',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** What a rule found about one token, before it is tied to the token's identity and mutes. */
export interface RuleHit {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly message: string;
}

/** What the security team should do about each rule; shown in reports and Slack. */
export const REMEDIATION: Readonly<Record<RuleId, string>> = {
  'never-expiring-admin':
    'Replace it with an Administrators token that has an expiry date (or a less privileged role), then delete this one.',
  'never-expiring': 'Replace it with a token that has an expiry date, then delete this one.',
  stale: 'Confirm with the owner that it is still needed; delete it if not.',
  'never-used': 'Delete it: a token nobody has used since it was issued is not needed.',
  'lifetime-too-long': 'Reissue it with a shorter validity period.',
  'expiring-soon': 'Issue a replacement and rotate it into its consumers before it expires.',
  // Never raised since issuer-deleted replaced it; kept so stored findings and old mutes still read.
  orphaned: 'Its issuer is gone but the token still works: delete it, or reissue it under an active owner.',
  'token-gone': 'Remove it from the inventory in the audit configuration.',
  'not-in-inventory': 'Identify its owner and add it to the inventory, or delete it.',
  'audit-failed': 'Check the audit key (Administrators role), the Gcore API status and the logs; the token was not checked.',
  'coverage-gap':
    "Check the account's key (set, valid, Administrators role) and the Gcore API status: until then its tokens are not all checked.",
  'slack-route-failing':
    "Check the route's webhook variable (the webhook may be revoked, its channel archived) and Slack's status: until it delivers, that route's findings wait in Redis.",
  'issuer-left':
    'Its issuer has left the company but the token still works: find who uses it, reissue it under an active owner, then delete this one.',
  'issuer-deleted':
    "Its issuer's Gcore user is deleted but the token still works: find who uses it, reissue it under an active owner, then delete this one.",
  'issuer-inactive': 'Its issuer cannot sign in any more: confirm who owns it now, reissue it under an active owner, then delete this one.',
  'issuer-dormant': 'Ask its issuer whether the token is still needed; delete it if not, or move it to an active owner.',
  'issuer-role-dropped':
    "Reissue it with a role no higher than its issuer's current one (or under someone who holds that role), then delete this one.",
};

/** `orphaned`: the old name of `issuer-deleted`, accepted in the configuration and in mutes for one release. */
export const RENAMED_RULES: Readonly<Partial<Record<RuleId, RuleId>>> = { orphaned: 'issuer-deleted' };
