import type { Finding } from './finding.js';

/** The facts about a token that tell why a finding resolved (expiry set, used again...). */
export interface TokenSnapshot {
  readonly expDate: string | null;
  readonly expired: boolean;
  readonly deleted: boolean;
  readonly lastUsage: string | null;
  readonly issuerDeleted: boolean;
  readonly inInventory: boolean;
}

/** What auditing one token produced. Plain JSON: a worker job returns it as is. */
export interface TokenResult {
  readonly clientId: number;
  readonly tokenId: number;
  /** audited: read and evaluated; gone: 404; failed: could not be read or was invalid. */
  readonly status: 'audited' | 'gone' | 'failed';
  readonly findings: Finding[];
  /** Set when the token was read. */
  readonly snapshot?: TokenSnapshot;
  /**
   * Set (status failed, no finding) when the token was not read because its account's key was refused or
   * missing: one cause, one alert. The account's coverage gap carries this sentence; the token keeps the
   * findings it had, neither resolved nor failed.
   */
  readonly refused?: string;
  /** Set when the token's issuer is the audit key's own user (the report marks such tokens). */
  readonly keyUser?: true;
  /** Issuer rules that could not be evaluated for this token (issuer-dormant...): counted in the warnings, never passing. */
  readonly notEvaluated?: readonly string[];
  /** Set when the token was read: the inventory row of the evidence folder's tokens.csv (passing tokens too). */
  readonly row?: TokenRow;
}

/** What tokens.csv says of a token that was read, whether it broke a rule or not. */
export interface TokenRow {
  readonly name: string;
  readonly role: string;
  readonly owner: string | null;
  readonly issuer: { readonly userId: number; readonly name: string; readonly deleted: boolean };
  readonly created: string;
  readonly lastUsage: string | null;
  readonly expDate: string | null;
}

/** How enumerating one account went. */
export interface AccountResult {
  readonly clientId: number | null;
  /** The configuration's `name` for the account, if any. */
  readonly name?: string | null;
  readonly label: string;
  /** null when the account was enumerated; otherwise why it could not be (fully). */
  readonly error: string | null;
  /** True when nothing of the account could be read (key missing or refused, account unknown): no token of it is audited. */
  readonly blind?: boolean;
  /** Set when the account's Gcore users could not be read: its issuer checks were skipped (a coverage reason). */
  readonly roster?: string;
}
