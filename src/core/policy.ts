import { isRoleKnown, type Token } from './token.js';

/** The Gcore IAM roles (groups) a token can carry. */
export const ROLE_NAMES = [
  'Administrators',
  'Users',
  'Engineers',
  'Purge and Prefetch only (API)',
  'Purge and Prefetch only (API+Web)',
] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export interface Thresholds {
  readonly staleAfterDays: number;
  readonly unusedGraceDays: number;
  readonly maxLifetimeDays: number;
  readonly expiringSoonDays: number;
}

export interface Policy extends Thresholds {
  readonly roles: Readonly<Partial<Record<RoleName, Partial<Thresholds>>>>;
  /** `issuers.dormantAfterDays`: issuer-dormant is off when absent or null. */
  readonly dormantAfterDays?: number | null;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  staleAfterDays: 90,
  unusedGraceDays: 30,
  maxLifetimeDays: 365,
  expiringSoonDays: 7,
};

/** The thresholds that apply to this token: the policy's, overridden by its role's where set. */
export function thresholdsFor(token: Token, policy: Policy): Thresholds {
  // An unidentified role gets the Administrators' thresholds (fail closed).
  const role = isRoleKnown(token) ? token.role.name : 'Administrators';
  const override = policy.roles[role as RoleName] ?? {};
  return {
    staleAfterDays: override.staleAfterDays ?? policy.staleAfterDays,
    unusedGraceDays: override.unusedGraceDays ?? policy.unusedGraceDays,
    maxLifetimeDays: override.maxLifetimeDays ?? policy.maxLifetimeDays,
    expiringSoonDays: override.expiringSoonDays ?? policy.expiringSoonDays,
  };
}
