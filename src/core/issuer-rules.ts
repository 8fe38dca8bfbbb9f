import { millisecondsInDay } from 'date-fns/constants';
import { isAdministrator, roleLabel, type Token } from './token.js';
import type { IssuerFacts } from './issuer-facts.js';
import { isRankedRole, isRoleBelow } from './role-order.js';
import type { Policy } from './policy.js';
import type { RuleHit, RuleId } from './rule-catalog.js';
import { ROLE_NAMES } from './policy.js';

// Gcore's role ids, as far as its documents name them: for the sentence of issuer-role-dropped.
const ROLE_NAME_BY_ID: ReadonlyMap<number, string> = new Map([
  [1, ROLE_NAMES[0]],
  [2, ROLE_NAMES[1]],
  [5, ROLE_NAMES[2]],
  [3022, ROLE_NAMES[3]],
  [3009, ROLE_NAMES[4]],
]);

const SSO_WHY =
  ' Its issuer signs in with SSO: Gcore does not see the identity provider remove a person, and keeps their tokens working until they are deleted by hand.';

/**
 * The issuer rules of an active token. The person behind a token is gone (issuer-left, issuer-deleted), cannot
 * sign in (issuer-inactive), has not signed in for long (issuer-dormant), or holds a lower role than the token
 * (issuer-role-dropped). A fact that is unknown decides nothing: a rule that needs it finds nothing.
 */
export function issuerHits(token: Token, now: Date, policy: Policy, issuer: IssuerFacts): RuleHit[] {
  const hits: RuleHit[] = [];
  const gone = isAdministrator(token) ? 'critical' : 'high';
  const dir = issuer.directory;
  const said =
    dir.status === 'left'
      ? dir.leftAt === null
        ? 'Its issuer has left the company (company directory)'
        : `Its issuer left the company on ${dir.leftAt.slice(0, 10)} (company directory)`
      : dir.status === 'absent'
        ? 'Its issuer is not in the company directory, which lists every active person'
        : null;
  if (said !== null) {
    hits.push({ rule: 'issuer-left', severity: gone, message: `${said}, but the token still works.${issuer.sso === true ? SSO_WHY : ''}` });
  }
  if (issuer.gcore === 'deleted') {
    hits.push({ rule: 'issuer-deleted', severity: gone, message: "Its issuer's Gcore user is deleted, but the token still works." });
    return hits; // a deleted user neither signs in nor holds a role: the rules below would only repeat this one
  }
  if (issuer.gcore === 'present' && issuer.canSignIn === false) {
    hits.push({
      rule: 'issuer-inactive',
      severity: 'high',
      message: "Its issuer's Gcore user cannot sign in (not activated, or not active), but the token still works.",
    });
  }
  const dormantDays = policy.dormantAfterDays ?? null;
  if (dormantDays !== null && issuer.lastLogin !== undefined) {
    const last = issuer.lastLogin === null ? null : Date.parse(issuer.lastLogin);
    if (last === null) {
      hits.push({
        rule: 'issuer-dormant',
        severity: 'medium',
        message: `Its issuer has no successful sign-in in Gcore's login history (limit: ${dormantDays} days).`,
      });
    } else if (!Number.isNaN(last) && now.getTime() - last > dormantDays * millisecondsInDay) {
      hits.push({
        rule: 'issuer-dormant',
        severity: 'medium',
        message: `Its issuer has not signed in for ${Math.floor((now.getTime() - last) / millisecondsInDay)} days (limit: ${dormantDays} days).`,
      });
    }
  }
  const current = issuer.currentRoleId;
  if (current !== null && token.role.id !== null && isRoleBelow(current, token.role.id)) {
    hits.push({
      rule: 'issuer-role-dropped',
      severity: 'high',
      message: `Its issuer's role is now ${ROLE_NAME_BY_ID.get(current) ?? `role ${current}`}, below the token's ${roleLabel(token)}: the token keeps rights its issuer no longer has.`,
    });
  }
  return hits;
}

/**
 * The issuer rules that could not be evaluated for an active token, for the report's warnings: never counted as
 * passing. issuer-dormant when it is on and the login history does not cover the issuer; issuer-role-dropped
 * when the issuer is in Gcore but its role there, or the pair of roles, is not known.
 */
export function unevaluatedIssuerRules(token: Token, policy: Policy, issuer: IssuerFacts): RuleId[] {
  if (issuer.gcore === 'deleted') {
    return [];
  }
  const out: RuleId[] = [];
  if ((policy.dormantAfterDays ?? null) !== null && issuer.lastLogin === undefined) {
    out.push('issuer-dormant');
  }
  if (
    issuer.gcore === 'present' &&
    (issuer.currentRoleId === null || token.role.id === null || !isRankedRole(issuer.currentRoleId) || !isRankedRole(token.role.id))
  ) {
    out.push('issuer-role-dropped');
  }
  return out;
}
