/** A Gcore IAM API token as the audit sees it, after validation (dates parsed, never-used normalised). */
export interface Token {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  /** null: the token never expires. */
  readonly expDate: Date | null;
  readonly expired: boolean;
  readonly deleted: boolean;
  readonly created: Date;
  /** null: never used. */
  readonly lastUsage: Date | null;
  readonly issuer: {
    readonly deleted: boolean;
    readonly userId: number;
    readonly name: string;
    readonly email: string;
    readonly clientId: number;
  };
  /** Both are optional in Gcore's schema: null when the response left them out. */
  readonly role: { readonly id: number | null; readonly name: string | null };
}

export const ADMINISTRATORS_ROLE_ID = 1;
export const UNKNOWN_ROLE = 'unknown role';

/** A role without its id or its name cannot be trusted to be harmless. */
export function isRoleKnown(token: Token): boolean {
  return token.role.id !== null && token.role.name !== null;
}

/** The role as shown in reports and alerts. */
export function roleLabel(token: Token): string {
  return isRoleKnown(token) ? (token.role.name as string) : UNKNOWN_ROLE;
}

/** Administrators, or a role we cannot identify: when in doubt, judge the token as the most powerful. */
export function isAdministrator(token: Token): boolean {
  return !isRoleKnown(token) || token.role.id === ADMINISTRATORS_ROLE_ID;
}

/** Active: not deleted, not expired, and its expiry (if any) still ahead of `now`. */
export function isActive(token: Token, now: Date): boolean {
  return !token.deleted && !token.expired && (token.expDate === null || token.expDate.getTime() > now.getTime());
}
