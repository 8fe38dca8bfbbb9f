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
  readonly role: { readonly id: number; readonly name: string };
}

export const ADMINISTRATORS_ROLE_ID = 1;

export function isAdministrator(token: Token): boolean {
  return token.role.id === ADMINISTRATORS_ROLE_ID;
}

/** Active: not deleted, not expired, and its expiry (if any) still ahead of `now`. */
export function isActive(token: Token, now: Date): boolean {
  return !token.deleted && !token.expired && (token.expDate === null || token.expDate.getTime() > now.getTime());
}
