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
  let keys = new BigUint64Array(256);
  let vals = new BigUint64Array(256);
  let n = 0;
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
      continue;
    }
    if (n === keys.length) {
      const [k2, v2] = [new BigUint64Array(n * 2), new BigUint64Array(n * 2)];
      k2.set(keys);
      v2.set(vals);
      [keys, vals] = [k2, v2];
    }
    keys[n] = k;
    vals[n] = v;
    n += 1;
  }
  // Sorted by token, then id; the same finding in two routes (two states, one id) kept once.
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const [ka, kb, va, vb] = [keys[a] as bigint, keys[b] as bigint, vals[a] as bigint, vals[b] as bigint];
    return ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0;
  });
  const tokens = new BigUint64Array(n);
  const ids = new BigUint64Array(n);
  let m = 0;
  for (const i of order) {
    if (m === 0 || tokens[m - 1] !== keys[i] || ids[m - 1] !== vals[i]) {
      tokens[m] = keys[i] as bigint;
      ids[m] = vals[i] as bigint;
      m += 1;
    }
  }
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
