import type { Token } from './token.js';

/**
 * What a revocation was asked about: the token as the get-token endpoint showed it when the request was made.
 * Carrying it out re-reads the token and deletes only when nothing here changed (see fingerprintChanges).
 * No email: records are listed to anyone who can read Redis.
 */
export interface TokenFingerprint {
  readonly name: string;
  readonly roleId: number | null;
  readonly roleName: string | null;
  /** ISO; null: never expires. */
  readonly expDate: string | null;
  /** ISO; null: never used. */
  readonly lastUsage: string | null;
  readonly issuerId: number;
}

export function fingerprintOf(token: Token): TokenFingerprint {
  return {
    name: token.name,
    roleId: token.role.id,
    roleName: token.role.name,
    expDate: token.expDate?.toISOString() ?? null,
    lastUsage: token.lastUsage?.toISOString() ?? null,
    issuerId: token.issuer.userId,
  };
}

const show = (v: string | number | null) => (v === null ? 'none' : JSON.stringify(v));

/**
 * What changed between the request's fingerprint and the token now, one phrase each; empty: the same token.
 * Any use after the request counts (a later `last_usage`): someone still relies on it, so the people who
 * asked must look again. A token marked deleted or expired is changed too: there is nothing left to decide.
 */
export function fingerprintChanges(before: TokenFingerprint, now: Token): string[] {
  const after = fingerprintOf(now);
  const changes: string[] = [];
  if (after.lastUsage !== before.lastUsage) {
    changes.push(`used since the request (last_usage ${show(before.lastUsage)} -> ${show(after.lastUsage)})`);
  }
  if (after.expDate !== before.expDate) {
    changes.push(`exp_date changed (${show(before.expDate)} -> ${show(after.expDate)})`);
  }
  if (after.name !== before.name) {
    changes.push(`renamed (${show(before.name)} -> ${show(after.name)})`);
  }
  if (after.roleId !== before.roleId || after.roleName !== before.roleName) {
    changes.push(`role changed (${show(before.roleName)} -> ${show(after.roleName)})`);
  }
  if (after.issuerId !== before.issuerId) {
    changes.push(`issuer changed (user ${before.issuerId} -> ${after.issuerId})`);
  }
  if (now.deleted || now.expired) {
    changes.push(now.deleted ? 'marked deleted by Gcore' : 'expired');
  }
  return changes;
}

/** `remediation.protect`: a token id, or a name pattern where `*` stands for any text (case-sensitive). */
export type ProtectEntry = { readonly tokenId: number; readonly clientId?: number } | { readonly name: string };

function namePattern(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's');
}

/** The protect entry that covers this token, described for people; null when none does. */
export function protectedBy(clientId: number, tokenId: number, name: string, protect: readonly ProtectEntry[]): string | null {
  for (const entry of protect) {
    if ('tokenId' in entry) {
      if (entry.tokenId === tokenId && (entry.clientId === undefined || entry.clientId === clientId)) {
        return `remediation.protect lists token ${tokenId}`;
      }
    } else if (namePattern(entry.name).test(name)) {
      return `remediation.protect covers its name (${JSON.stringify(entry.name)})`;
    }
  }
  return null;
}

/**
 * The token id of a key, when the key shows it: a v2 key is `{id}_{secret}`. A v1 key (`{id}${secret}`) shows
 * its id the same way before the `$`. null: the key does not say (then the key's own token cannot be
 * recognised, and the caller must not guess).
 */
export function keyTokenId(apiKey: string): number | null {
  const m = /^(\d{1,15})[_$]/.exec(apiKey);
  return m ? Number(m[1]) : null;
}

/** Names compare as people see them: case and surrounding space do not make another person. */
const samePerson = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The two-person rule: null when `approver` may approve a request made by `requester`, else why not. */
export function approvalRefusal(requester: string, approver: string): string | null {
  return samePerson(requester, approver)
    ? `${approver} asked for this revocation and cannot also approve it: another person must run \`revoke approve\``
    : null;
}

/** Whether a request made at `requestedAt` has waited past `approvalHours` at `now`. */
export function requestLapsed(requestedAt: string, approvalHours: number, now: Date): boolean {
  return now.getTime() >= new Date(requestedAt).getTime() + approvalHours * 3_600_000;
}

/** `clientId/tokenId` as typed on the command line; null when the text is not that. */
export function parseTokenPair(text: string): { clientId: number; tokenId: number } | null {
  const m = /^(\d{1,15})\/(\d{1,15})$/.exec(text.trim());
  if (!m) {
    return null;
  }
  const clientId = Number(m[1]);
  const tokenId = Number(m[2]);
  return clientId > 0 && tokenId > 0 ? { clientId, tokenId } : null;
}
