import type { AccountResult } from '../core/report.js';
import type { Config } from '../config/config.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { enumerateAccount } from './enumerate-account.js';
import type { TokenRef } from '../core/token-ref.js';

export interface Inventory {
  readonly accounts: AccountResult[];
  /** Every token to audit, each once (two accounts sharing a client id: the first wins). */
  readonly refs: TokenRef[];
}

/** The first stage of every run, one-shot or worker: the tokens of every account. */
export async function enumerateAccounts(config: Config, deps: { api: GcoreApi; secrets: Secrets }): Promise<Inventory> {
  const limits = { maxTokensPerAccount: config.gcore.maxTokensPerAccount };
  const enumerations = await Promise.all(config.accounts.map((a) => enumerateAccount(a, { ...deps, ...limits })));
  const seen = new Set<string>();
  const refs = enumerations
    .flatMap((e) => e.refs)
    .filter((r) => {
      const key = `${r.clientId}:${r.tokenId}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
  return { accounts: enumerations.map((e, i) => ({ ...e.account, name: config.accounts[i]?.name ?? null })), refs };
}
