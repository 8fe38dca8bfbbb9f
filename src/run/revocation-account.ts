import { SecretNotSetError, UsageError } from '../core/errors.js';
import type { AccountConfig, Config } from '../config/config.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';

/**
 * The configured account of `clientId`: the one listed with that client id, else the account without one whose
 * key Gcore says belongs to it (`idOfKey` asks; a long-lived caller may remember the answers). null: none.
 */
export async function findAccount(
  config: Pick<Config, 'accounts'>,
  clientId: number,
  idOfKey: (apiKeyEnv: string) => Promise<number>,
): Promise<AccountConfig | null> {
  const listed = config.accounts.find((a) => a.clientId === clientId);
  if (listed) {
    return listed;
  }
  for (const a of config.accounts.filter((x) => x.clientId === null)) {
    if ((await idOfKey(a.apiKeyEnv)) === clientId) {
      return a;
    }
  }
  return null;
}

/** The account's audit key, or null when it is not set: a revocation re-reads with it and never deletes it. */
export function auditKeyOf(account: AccountConfig, secrets: Secrets): string | null {
  try {
    return secrets.get(account.apiKeyEnv);
  } catch (error) {
    if (error instanceof SecretNotSetError) {
      return null;
    }
    throw error;
  }
}

/** The configured account of `clientId`; an account without a clientId is asked with its key. */
export async function accountOf(config: Pick<Config, 'accounts'>, clientId: number, api: GcoreApi, secrets: Secrets): Promise<AccountConfig> {
  const account = await findAccount(config, clientId, (apiKeyEnv) => api.getAccountId(secrets.get(apiKeyEnv)));
  if (account === null) {
    throw new UsageError(`account ${clientId} is not in the configuration (accounts)`);
  }
  return account;
}

/** The keys a revocation of the account is carried out with: the deleting key, and the audit key when it is set. */
export function accountKeys(account: AccountConfig, deleteEnv: string, secrets: Secrets): { deleteKey: string; auditKey: string | null } {
  return { deleteKey: secrets.get(deleteEnv), auditKey: auditKeyOf(account, secrets) };
}
