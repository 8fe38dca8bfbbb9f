import { createHash } from 'node:crypto';
import type { Severity } from './severity.js';
import type { RuleId } from '../rules/rule-catalog.js';

/** One rule broken by one token: the unit of every report, alert and alert-state record. */
export interface Finding {
  /** Stable fingerprint of clientId, tokenId and rule. */
  readonly id: string;
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly clientId: number;
  readonly tokenId: number;
  readonly tokenName: string | null;
  readonly role: string | null;
  readonly owner: string | null;
  readonly issuer: { userId: number; name: string; email: string; deleted: boolean } | null;
  readonly created: string | null;
  readonly lastUsage: string | null;
  readonly expDate: string | null;
  readonly message: string;
  readonly remediation: string;
  readonly muted: boolean;
  readonly muteReason: string | null;
}

export function findingId(clientId: number, tokenId: number, rule: RuleId): string {
  return createHash('sha256').update(`${clientId}:${tokenId}:${rule}`).digest('hex').slice(0, 16);
}
