/**
 * What is known about a token's issuer when its rules are evaluated: from Gcore's roster of the account and the
 * company directory. No email is kept here: facts are stored in Redis between the run job and its token jobs.
 */
export interface IssuerFacts {
  /** Gcore's user: 'present', 'deleted' (deleted: true, or 404 on GET /iam/users/{id}), or 'unknown' (roster not read). */
  readonly gcore: 'present' | 'deleted' | 'unknown';
  /** Can sign in: false when `activated` or `is_active` is false; null when unknown. */
  readonly canSignIn: boolean | null;
  /** The user signs in with SSO (`sso_auth`); null when unknown. */
  readonly sso: boolean | null;
  /** The user's current role id in the token's account; null when unknown or none. */
  readonly currentRoleId: number | null;
  /** Last successful login, where the login history covers this user; null: none found; undefined: not evaluable. */
  readonly lastLogin?: string | null;
  /** The directory's verdict: 'active', 'left' (with left_at ISO or null), 'absent' (not in a directory listing every active person), 'unknown' (no directory, unreadable, or email not decidable). */
  readonly directory: { readonly status: 'active' | 'absent' | 'unknown' } | { readonly status: 'left'; readonly leftAt: string | null };
  /** The issuer is the audit key's own user. */
  readonly isKeyUser: boolean;
}
export const UNKNOWN_ISSUER: IssuerFacts = Object.freeze({ gcore: 'unknown', canSignIn: null, sso: null, currentRoleId: null, directory: Object.freeze({ status: 'unknown' }), isKeyUser: false });
