/** One token to audit, as enumeration found it. Plain JSON: it is a worker job's data (no key, only its variable). */
export interface TokenRef {
  readonly clientId: number;
  readonly tokenId: number;
  /** The variable holding the account's key: never the key itself. */
  readonly apiKeyEnv: string;
  readonly owner: string | null;
  /** The name the list endpoint gave, so a token that cannot be read is still named. */
  readonly listedName: string | null;
  readonly inInventory: boolean;
  readonly inventoryDeclared: boolean;
  /**
   * Set by older versions when enumeration knew the key missing or rejected; such an account now has no refs
   * (its coverage gap is the one alert). Always null from this version on.
   */
  readonly failure: string | null;
}
