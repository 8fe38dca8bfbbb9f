import { createHash } from 'node:crypto';
import type { Severity } from './severity.js';
import type { RuleId } from './rule-catalog.js';

/** One rule broken by one token: the unit of every report, alert and alert-state record. */
export interface Finding {
  /** Stable fingerprint of clientId, tokenId and rule. */
  readonly id: string;
  readonly rule: RuleId;
  readonly severity: Severity;
  /** null only for a `coverage-gap` of an account whose id could not be learnt (its key is missing). */
  readonly clientId: number | null;
  /** The account's `name` from the configuration, for people. */
  readonly accountName: string | null;
  /** null for a finding about a whole account (`coverage-gap`). */
  readonly tokenId: number | null;
  readonly tokenName: string | null;
  readonly role: string | null;
  /** The inventory's owner, else the issuer's email. */
  readonly owner: string | null;
  readonly issuer: { userId: number; name: string; email: string; deleted: boolean } | null;
  readonly created: string | null;
  readonly lastUsage: string | null;
  readonly expDate: string | null;
  readonly message: string;
  readonly remediation: string;
  readonly muted: boolean;
  readonly muteReason: string | null;
  /** Only for `slack-route-failing`: the route that fails, so the finding is posted through the others. */
  readonly route?: string;
  /** Set on the open finding when its token was revoked (`revoke approve`): the run that resolves it says so. */
  readonly revoked?: { readonly by: string; readonly approvedBy: string };
}

/** `subject` identifies what the finding is about when there is no token: the account's label. */
export function findingId(clientId: number | string | null, tokenId: number | null, rule: RuleId): string {
  // The first 8 bytes as hex, not `.digest('hex').slice(0, 16)`: a slice of a string keeps the whole
  // 64-character string alive, and a report holds one id per finding.
  return createHash('sha256').update(`${clientId}:${tokenId ?? ''}:${rule}`).digest().toString('hex', 0, 8);
}

/** The fields of a finding about no token (a whole account, a Slack route): all null. */
export const NO_TOKEN = {
  tokenId: null,
  tokenName: null,
  role: null,
  owner: null,
  issuer: null,
  created: null,
  lastUsage: null,
  expDate: null,
} as const satisfies Partial<Finding>;
