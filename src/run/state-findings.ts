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
}

const NONE: readonly string[] = [];

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
  // By token (a finding named in two routes is there twice: 16 bytes, no harm to an answer).
  const order = keys.map((_, i) => i).sort((a, b) => ((keys[a] as bigint) < (keys[b] as bigint) ? -1 : (keys[a] as bigint) > (keys[b] as bigint) ? 1 : 0));
  const tokens = BigUint64Array.from(order, (i) => keys[i] as bigint);
  const ids = BigUint64Array.from(order, (i) => vals[i] as bigint);
  const m = tokens.length;
  const idsOf = (clientId: number, tokenId: number): readonly string[] => {
    const k = tokenNumber(clientId, tokenId);
    let i = k === null ? m : lowerBound(tokens, m, k);
    const odd = other.size === 0 ? undefined : other.get(`${clientId}:${tokenId}`);
    if ((i >= m || tokens[i] !== k) && odd === undefined) {
      return NONE; // most tokens read: no state names them, and no list is made
    }
    const out = [...(odd ?? [])];
    for (; i < m && tokens[i] === k; i += 1) {
      out.push((ids[i] as bigint).toString(16).padStart(16, '0'));
    }
    return out;
  };
  return {
    names: (clientId, tokenId, findingId) => idsOf(clientId, tokenId).includes(findingId),
    namesOtherThan: (clientId, tokenId, findings) => idsOf(clientId, tokenId).some((id) => !findings.some((f) => f.id === id)),
  };
}
