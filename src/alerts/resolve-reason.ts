import type { Finding } from '../core/finding.js';
import type { TokenResult } from '../core/report.js';

export type ResolveReason =
  | 'deleted'
  | 'expired'
  | 'expiry set'
  | 'expiry extended'
  | 'used again'
  | 'issuer restored'
  | 'added to the inventory'
  | 'removed from the inventory'
  | 'audited again'
  | 'coverage restored'
  | 'delivering again'
  | 'muted'
  | 'policy changed'
  | `revoked by ${string}, approved by ${string}`;

/**
 * Why a finding no longer holds, from what this run read of its token: the line a person needs to trust a ✅.
 * `policy changed` when the token itself did not change in a way that explains it.
 */
export function resolveReason(f: Finding, result: Pick<TokenResult, 'status' | 'snapshot'> | undefined, now: Date): ResolveReason {
  if (f.rule === 'coverage-gap') {
    return 'coverage restored';
  }
  if (f.rule === 'slack-route-failing') {
    return 'delivering again';
  }
  if (f.revoked !== undefined && (result === undefined || result.status === 'gone' || result.snapshot?.deleted === true)) {
    return `revoked by ${f.revoked.by}, approved by ${f.revoked.approvedBy}`;
  }
  if (result?.status === 'gone') {
    return 'deleted';
  }
  const s = result?.snapshot;
  if (s === undefined) {
    return 'policy changed';
  }
  if (s.deleted) {
    return 'deleted';
  }
  if (s.expired || (s.expDate !== null && Date.parse(s.expDate) <= now.getTime())) {
    return 'expired';
  }
  switch (f.rule) {
    case 'never-expiring':
    case 'never-expiring-admin':
      return s.expDate !== null ? 'expiry set' : 'policy changed';
    case 'lifetime-too-long':
      return s.expDate !== f.expDate ? 'expiry set' : 'policy changed';
    case 'expiring-soon':
      return s.expDate !== f.expDate ? 'expiry extended' : 'policy changed';
    case 'stale':
    case 'never-used':
      return s.lastUsage !== null && s.lastUsage !== f.lastUsage ? 'used again' : 'policy changed';
    case 'orphaned':
      return s.issuerDeleted ? 'policy changed' : 'issuer restored';
    case 'not-in-inventory':
      return s.inInventory ? 'added to the inventory' : 'policy changed';
    case 'token-gone':
      return s.inInventory ? 'policy changed' : 'removed from the inventory';
    case 'audit-failed':
      return 'audited again';
    // What the issuer rules read (the roster, the directory) is not in the token's snapshot: no cause to name.
    case 'issuer-left':
    case 'issuer-deleted':
    case 'issuer-inactive':
    case 'issuer-dormant':
    case 'issuer-role-dropped':
      return 'policy changed';
    default:
      return 'policy changed';
  }
}
