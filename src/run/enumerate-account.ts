import { AuditError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { AccountResult } from '../core/report.js';
import type { AccountConfig } from '../config/config.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { parseListing } from '../gcore/parse-token.js';
import type { TokenRef } from '../core/token-ref.js';
import { keyRefusal } from './key-refusal.js';

export interface Enumeration {
  readonly account: AccountResult;
  readonly refs: TokenRef[];
}

function label(account: AccountConfig, clientId: number | null): string {
  return clientId === null ? `the account of ${account.apiKeyEnv}` : `account ${clientId}`;
}

/**
 * The tokens of one account: its inventory, plus what the list endpoint shows when `discover` is on.
 * Never throws for the account's own problems: they become `account.error`. Where the account cannot be
 * read at all (key missing or refused, account unknown to the key) it is `blind` and has no refs: its
 * coverage gap is the one alert, no token of it is asked for, and its tokens keep the findings they had.
 */
export async function enumerateAccount(
  account: AccountConfig,
  deps: { api: GcoreApi; secrets: Secrets; maxTokensPerAccount: number },
): Promise<Enumeration> {
  const inventoryDeclared = account.tokens.length > 0;
  let clientId = account.clientId;

  const refsFrom = (id: number): TokenRef[] =>
    account.tokens.map((t) => ({
      clientId: id,
      tokenId: t.id,
      apiKeyEnv: account.apiKeyEnv,
      owner: t.owner,
      listedName: null,
      inInventory: true,
      inventoryDeclared,
      failure: null,
    }));
  const blind = (error: string): Enumeration => ({
    account: { clientId, label: label(account, clientId), error, blind: true },
    refs: [],
  });

  let apiKey: string;
  try {
    apiKey = deps.secrets.get(account.apiKeyEnv);
  } catch (error) {
    const refusal = keyRefusal(error, account.apiKeyEnv, clientId);
    if (refusal !== null) {
      return blind(refusal);
    }
    throw error;
  }

  try {
    clientId ??= await deps.api.getAccountId(apiKey);
  } catch (error) {
    const refusal = keyRefusal(error, account.apiKeyEnv, clientId);
    if (refusal !== null) {
      return blind(refusal);
    }
    if (error instanceof AuditError) {
      return blind(`could not identify the account: ${redact(error.message, [apiKey])}`);
    }
    throw error;
  }
  const refs = refsFrom(clientId);
  if (!account.discover) {
    return { account: { clientId, label: label(account, clientId), error: null }, refs };
  }

  try {
    const raw = await deps.api.listTokens(clientId, apiKey);
    if (Array.isArray(raw) && raw.length > deps.maxTokensPerAccount) {
      // Gcore documents at most 100 tokens an account: a list this long is broken or hostile, and auditing it
      // would mean as many requests. The inventory is still read one token at a time.
      const error = `the token list has ${raw.length} entries, more than gcore.maxTokensPerAccount (${deps.maxTokensPerAccount})`;
      return { account: { clientId, label: label(account, clientId), error }, refs };
    }
    const { ids, invalid } = parseListing(raw);
    const byId = new Map(refs.map((r) => [r.tokenId, r]));
    for (const { id, name: listed } of ids) {
      const name = listed === null ? null : redact(listed, [apiKey]);
      const known = byId.get(id);
      if (known) {
        byId.set(id, { ...known, listedName: name });
      } else {
        byId.set(id, {
          clientId,
          tokenId: id,
          apiKeyEnv: account.apiKeyEnv,
          owner: null,
          listedName: name,
          inInventory: false,
          inventoryDeclared,
          failure: null,
        });
      }
    }
    const error = invalid > 0 ? `the token list had ${invalid} entr${invalid === 1 ? 'y' : 'ies'} without a valid id` : null;
    return { account: { clientId, label: label(account, clientId), error }, refs: [...byId.values()] };
  } catch (error) {
    const refusal = keyRefusal(error, account.apiKeyEnv, clientId, true);
    if (refusal !== null) {
      return blind(refusal);
    }
    if (error instanceof AuditError) {
      // The inventory can still be read one token at a time; the report says discovery did not happen.
      const message = `could not list tokens: ${redact(error.message, [apiKey])}`;
      return { account: { clientId, label: label(account, clientId), error: message }, refs };
    }
    throw error;
  }
}
