/**
 * A set of tokens (client id, token id) kept as numbers by account. The run job and the report job each keep
 * one over an estate's every token: as `${clientId}:${tokenId}` texts that was a string per token (100,000
 * of them at 1,000 accounts), here it is a number in its account's set.
 */
export interface TokenIdSet {
  readonly has: (clientId: number, tokenId: number) => boolean;
  /** Adds the token; false when it was in the set already. */
  readonly add: (clientId: number, tokenId: number) => boolean;
}

export function tokenIdSet(tokens: Iterable<{ readonly clientId: number; readonly tokenId: number }> = []): TokenIdSet {
  const byAccount = new Map<number, Set<number>>();
  const has = (clientId: number, tokenId: number) => byAccount.get(clientId)?.has(tokenId) === true;
  const add = (clientId: number, tokenId: number) => {
    const ids = byAccount.get(clientId) ?? new Set<number>();
    byAccount.set(clientId, ids);
    const added = !ids.has(tokenId);
    ids.add(tokenId);
    return added;
  };
  for (const t of tokens) {
    add(t.clientId, t.tokenId);
  }
  return { has, add };
}
