import type { AccountResult } from '../core/report.js';
import type { AccountConfig, Config } from '../config/config.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { enumerateAccount } from './enumerate-account.js';
import type { TokenRef } from '../core/token-ref.js';
import { tokenIdSet } from '../core/token-id-set.js';

/** An account as configured, and what its enumeration learnt of it. */
export interface EnumeratedAccount {
  readonly configured: AccountConfig;
  readonly account: AccountResult;
}

export interface Inventory {
  readonly accounts: AccountResult[];
  /** Every token to audit, each once (two accounts sharing a client id: the first wins). */
  readonly refs: TokenRef[];
}

/** One configured account's enumeration (enumerateAccount), its result named as the configuration names it. */
export async function enumerateConfigured(
  configured: AccountConfig,
  config: Pick<Config, 'gcore'>,
  deps: { api: GcoreApi; secrets: Secrets },
): Promise<EnumeratedAccount & { readonly refs: TokenRef[] }> {
  const e = await enumerateAccount(configured, { ...deps, maxTokensPerAccount: config.gcore.maxTokensPerAccount });
  return { configured, account: { ...e.account, name: configured.name ?? null }, refs: e.refs };
}

/** The first stage of every run, one-shot or worker: the tokens of every account. */
export async function enumerateAccounts(config: Config, deps: { api: GcoreApi; secrets: Secrets }): Promise<Inventory> {
  const enumerations = await Promise.all(config.accounts.map((a) => enumerateConfigured(a, config, deps)));
  const seen = tokenIdSet();
  const refs = enumerations.flatMap((e) => e.refs).filter((r) => seen.add(r.clientId, r.tokenId));
  return { accounts: enumerations.map((e) => e.account), refs };
}
