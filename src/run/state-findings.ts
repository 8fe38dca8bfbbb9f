import type { AlertState } from '../alerts/alert-state.js';
import { findingIdNumber, lowerBound } from '../core/finding-id-set.js';

/**
 * The findings the alert states name, by token: what a run's fold of its results asks to know which results it
 * must keep for resolving. A state about a whole account names no token and is not here.
 */
export interface StateFindings {
  /** Whether a state names this finding of the token. */
  readonly names: (clientId: number, tokenId: number, findingId: string) => boolean;
  /**
   * Whether a state names a finding of the token other than `findings` (those its result has now): that
   * result resolves it, so its status and snapshot must be kept for the reason.
   */
  readonly namesOtherThan: (clientId: number, tokenId: number, findings: readonly { readonly id: string }[]) => boolean;
  /** How they are held: as 64-bit pairs (16 bytes each), or apart, by token as strings (ids that do not fit). */
  readonly held: { readonly pairs: number; readonly apart: number };
}

/** (client id, token id) as one 64-bit number when both fit 32 bits (Gcore's ids do); else null. */
function tokenNumber(clientId: number, tokenId: number): bigint | null {
  const fits = (n: number) => Number.isInteger(n) && n >= 0 && n < 2 ** 32;
  return fits(clientId) && fits(tokenId) ? (BigInt(clientId) << 32n) | BigInt(tokenId) : null;
}

/**
 * Held as pairs of 64-bit numbers, (token, finding id), sorted and searched: 16 bytes a state's finding, where
 * maps by account and token with the ids as strings took about 80. A state whose ids do not fit (never Gcore's)
 * is held by account and token as before.
 */
export function stateFindings(states: Iterable<Pick<AlertState, 'finding'>>): StateFindings {
  const keys: bigint[] = [];
  const vals: bigint[] = [];
  const other = new Map<string, Set<string>>();
  for (const { finding } of states) {
    if (finding.clientId === null || finding.tokenId === null) {
      continue;
    }
    const k = tokenNumber(finding.clientId, finding.tokenId);
    const v = findingIdNumber(finding.id);
    if (k === null || v === null) {
      const at = `${finding.clientId}:${finding.tokenId}`;
      other.set(at, (other.get(at) ?? new Set()).add(finding.id));
    } else {
      keys.push(k);
      vals.push(v);
    }
  }
  const { tokens, ids } = byToken(keys, vals);
  /** Whether `test` holds for an id a state names for the token. Most tokens read have none: nothing is made. */
  const someId = (clientId: number, tokenId: number, test: (id: string) => boolean): boolean => {
    const k = tokenNumber(clientId, tokenId);
    // Past the last pair the array reads undefined: the loop ends there too.
    for (let i = k === null ? tokens.length : lowerBound(tokens, tokens.length, k); tokens[i] === k; i += 1) {
      if (test((ids[i] as bigint).toString(16).padStart(16, '0'))) {
        return true;
      }
    }
    return [...(other.get(`${clientId}:${tokenId}`) ?? [])].some(test);
  };
  return {
    names: (clientId, tokenId, findingId) => someId(clientId, tokenId, (id) => id === findingId),
    namesOtherThan: (clientId, tokenId, findings) => someId(clientId, tokenId, (id) => !findings.some((f) => f.id === id)),
    held: { pairs: tokens.length, apart: [...other.values()].reduce((n, set) => n + set.size, 0) },
  };
}

/**
 * The pairs sorted by token (a finding named in two routes is there twice: 16 bytes, no harm to an answer).
 * A function of its own: closures that read `keys` and `vals` (the sort's) would put them in the context that
 * stateFindings' answers keep, and hold 30,000 heap bigints a run for nothing.
 */
function byToken(keys: readonly bigint[], vals: readonly bigint[]): { tokens: BigUint64Array; ids: BigUint64Array } {
  const order = keys.map((_, i) => i).sort((a, b) => Number((keys[a] as bigint) - (keys[b] as bigint)));
  return { tokens: BigUint64Array.from(order, (i) => keys[i] as bigint), ids: BigUint64Array.from(order, (i) => vals[i] as bigint) };
}
