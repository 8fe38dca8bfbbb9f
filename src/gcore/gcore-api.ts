/**
 * Our view of Gcore's IAM API. Bodies come back unvalidated: validation is a pipeline stage
 * (parse-token.ts), so the same checks apply to the live API and to a saved export.
 */
export interface GcoreApi {
  /** `GET /iam/clients/me` → the account id of the key. */
  getAccountId(apiKey: string): Promise<number>;
  /** The list endpoint: discovery only. */
  listTokens(clientId: number, apiKey: string): Promise<unknown>;
  /** The get-token endpoint: the audit. Throws GcoreNotFoundError on 404. */
  getToken(clientId: number, tokenId: number, apiKey: string): Promise<unknown>;
  /**
   * The people (issue 19), optional: a saved export has none. Bodies unvalidated (parse-user.ts).
   * `GET /iam/clients/me` as is: `currentUser` names the key's own user.
   */
  getAccountDetails?(apiKey: string): Promise<unknown>;
  /** `GET /iam/users?limit=&offset=`: one page of the users the key sees, `{count, next, previous, results}`. */
  listUsers?(limit: number, offset: number, apiKey: string): Promise<unknown>;
  /** `GET /iam/users/{userId}`. Throws GcoreNotFoundError on 404 ("User not found.": the user is deleted). */
  getUser?(userId: number, apiKey: string): Promise<unknown>;
  /** `GET /iam/clients/{clientId}/client-users/{userId}`: `{user_role: {id, name}}`. 404: not in the account. */
  getClientUser?(clientId: number, userId: number, apiKey: string): Promise<unknown>;
}

export type ApiVersion = 'v1' | 'v2';

export function tokensPath(version: ApiVersion, clientId: number, tokenId?: number): string {
  const base = version === 'v2' ? `iam/v2/clients/${clientId}/tokens` : `iam/clients/${clientId}/tokens`;
  return tokenId === undefined ? base : `${base}/${tokenId}`;
}
