import { GcoreAuthError, GcoreForbiddenError, GcoreNotFoundError, SecretError } from '../core/errors.js';

/**
 * The account-wide cause behind an error, if it is one: the key missing, rejected (401), not allowed to read
 * the account (403), or the account unknown to it (404 on its listing). Such a cause makes the whole account
 * unreadable, so it is told once, as the account's coverage gap, never once per token (inhibition). The
 * sentence names the variable to fix and is short, so no layout has to cut it; Gcore's own wording stays
 * in the logs. null: the error is the token's own (a 500, a malformed answer).
 */
export function keyRefusal(error: unknown, apiKeyEnv: string, clientId: number | null, listing = false): string | null {
  const account = clientId === null ? 'its account' : `account ${clientId}`;
  if (error instanceof SecretError) {
    return error.message;
  }
  if (error instanceof GcoreAuthError) {
    return `${apiKeyEnv} was rejected (401)`;
  }
  if (error instanceof GcoreForbiddenError) {
    return `${apiKeyEnv} may not read ${account} (403)`;
  }
  // A 404 on one token is that token gone; on the account's listing, the account is unknown to the key.
  if (listing && error instanceof GcoreNotFoundError) {
    return `${apiKeyEnv} does not know ${account} (404)`;
  }
  return null;
}
