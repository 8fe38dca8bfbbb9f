import { millisecondsInDay } from 'date-fns/constants';
import { isActive, isAdministrator, isRoleKnown, roleLabel, type Token } from './token.js';
import { UNKNOWN_ISSUER, type IssuerFacts } from './issuer-facts.js';
import { issuerHits } from './issuer-rules.js';
import { thresholdsFor, type Policy } from './policy.js';
import type { RuleHit } from './rule-catalog.js';

/** Where a token stands relative to the account's inventory (the `tokens` list of the configuration). */
export interface InventoryStanding {
  /** The token id is listed in the account's `tokens`. */
  readonly inInventory: boolean;
  /** The account's `tokens` list is not empty. */
  readonly inventoryDeclared: boolean;
}

// Policy days are fixed 24-hour spans, not calendar days: the result must not depend on the host's time zone.
function days(ms: number): number {
  return Math.floor(ms / millisecondsInDay);
}

/**
 * The policy rules, as one pure function of the token, the instant of evaluation, the policy and what is known
 * of the token's issuer (nothing, by default: the issuer rules then find nothing).
 * Returns every rule the token breaks; `audit-failed` is the pipeline's, not a rule's.
 */
export function evaluateToken(
  token: Token,
  standing: InventoryStanding,
  now: Date,
  policy: Policy,
  issuer: IssuerFacts = UNKNOWN_ISSUER,
): RuleHit[] {
  const t = now.getTime();
  if (!isActive(token, now)) {
    if (!standing.inInventory) {
      return [];
    }
    const why = token.deleted ? 'was deleted' : token.expired ? 'has expired' : 'is past its expiry date';
    return [{ rule: 'token-gone', severity: 'info', message: `The inventory lists this token, but it ${why}.` }];
  }

  const limits = thresholdsFor(token, policy);
  const admin = isAdministrator(token);
  const hits: RuleHit[] = [];

  if (token.expDate === null) {
    hits.push(
      admin
        ? {
            rule: 'never-expiring-admin',
            severity: 'critical',
            message: isRoleKnown(token)
              ? 'Administrators token that never expires.'
              : 'Token of an unknown role (judged as Administrators) that never expires.',
          }
        : { rule: 'never-expiring', severity: 'medium', message: `${roleLabel(token)} token that never expires.` },
    );
  }

  if (token.lastUsage === null) {
    const age = t - token.created.getTime();
    if (age > limits.unusedGraceDays * millisecondsInDay) {
      hits.push({
        rule: 'never-used',
        severity: 'medium',
        message: `Never used in the ${days(age)} days since it was issued (grace: ${limits.unusedGraceDays} days).`,
      });
    }
  } else {
    const idle = t - token.lastUsage.getTime();
    if (idle > limits.staleAfterDays * millisecondsInDay) {
      hits.push({
        rule: 'stale',
        severity: admin ? 'high' : 'medium',
        message: `Not used for ${days(idle)} days (limit: ${limits.staleAfterDays} days).`,
      });
    }
  }

  if (token.expDate !== null) {
    const lifetime = token.expDate.getTime() - token.created.getTime();
    if (lifetime > limits.maxLifetimeDays * millisecondsInDay) {
      hits.push({
        rule: 'lifetime-too-long',
        severity: 'medium',
        message: `Valid for ${days(lifetime)} days (limit: ${limits.maxLifetimeDays} days).`,
      });
    }
    const left = token.expDate.getTime() - t;
    if (left <= limits.expiringSoonDays * millisecondsInDay) {
      hits.push({
        rule: 'expiring-soon',
        severity: 'low',
        message: `Expires in ${Math.ceil(left / millisecondsInDay)} day(s) (warning window: ${limits.expiringSoonDays} days).`,
      });
    }
  }

  // Not `client_user.deleted`: Gcore documents it as the token's deletion flag, and refuses to delete a user
  // who still has active tokens. Whether the issuer is gone comes from the roster and the directory.
  hits.push(...issuerHits(token, now, policy, issuer));

  if (standing.inventoryDeclared && !standing.inInventory) {
    hits.push({
      rule: 'not-in-inventory',
      severity: 'medium',
      message: 'Found in the account, but not in its inventory.',
    });
  }
  return hits;
}
