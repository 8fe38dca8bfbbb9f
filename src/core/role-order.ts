/**
 * Gcore's roles are not a simple ladder: Administrators "full read and write access to all resources",
 * Engineers "technical operations; no billing or user management", Users "read access to most resources;
 * limited write access", and the two purge-only roles. What each may do that another may not is documented
 * only in those sentences, so "below" is a partial order: a pair not ranked here (Users and a purge role,
 * or a role id Gcore adds later) is never called below, and the rule that asks is not evaluated.
 */
const ADMINISTRATORS = 1;
const USERS = 2;
const ENGINEERS = 5;
const PURGE_API_WEB = 3009;
const PURGE_API = 3022;

/** Each role id, with the role ids that have strictly fewer rights than it. */
const STRICTLY_ABOVE: ReadonlyMap<number, ReadonlySet<number>> = new Map([
  [ADMINISTRATORS, new Set([ENGINEERS, USERS, PURGE_API_WEB, PURGE_API])],
  [ENGINEERS, new Set([USERS, PURGE_API_WEB, PURGE_API])],
  [PURGE_API_WEB, new Set([PURGE_API])],
  [USERS, new Set<number>()],
  [PURGE_API, new Set<number>()],
]);

/** The role ids this order knows. */
export function isRankedRole(id: number): boolean {
  return STRICTLY_ABOVE.has(id);
}

/** `lower` has strictly fewer rights than `higher` (false when either is unknown or they cannot be compared). */
export function isRoleBelow(lower: number, higher: number): boolean {
  return STRICTLY_ABOVE.get(higher)?.has(lower) ?? false;
}
