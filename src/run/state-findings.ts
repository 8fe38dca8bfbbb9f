import type { AlertState } from '../alerts/alert-state.js';

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

/**
 * Held by account as numbers, each token's finding ids as the states' own strings (one state's id alone, the
 * common case, or the ids of a token with several): about 40 bytes a token with open findings.
 */
export function stateFindings(states: Iterable<Pick<AlertState, 'finding'>>): StateFindings {
  // `| null` for the type only: a finding that names a token names its account (a null key would never be asked).
  const byAccount = new Map<number | null, Map<number, string | string[]>>();
  for (const { finding } of states) {
    if (finding.tokenId === null) {
      continue;
    }
    const tokens = byAccount.get(finding.clientId) ?? new Map<number, string | string[]>();
    byAccount.set(finding.clientId, tokens);
    const held = tokens.get(finding.tokenId);
    if (held === undefined) {
      tokens.set(finding.tokenId, finding.id);
    } else if (typeof held === 'string') {
      // The same finding in two routes is two states and one id.
      if (held !== finding.id) {
        tokens.set(finding.tokenId, [held, finding.id]);
      }
    } else if (!held.includes(finding.id)) {
      held.push(finding.id);
    }
  }
  const idsOf = (clientId: number, tokenId: number): readonly string[] => {
    const held = byAccount.get(clientId)?.get(tokenId);
    return held === undefined ? [] : typeof held === 'string' ? [held] : held;
  };
  return {
    names: (clientId, tokenId, findingId) => idsOf(clientId, tokenId).includes(findingId),
    // Asked of every token read: no list of its ids is made for a token no state names.
    namesOtherThan: (clientId, tokenId, findings) => idsOf(clientId, tokenId).some((id) => !findings.some((f) => f.id === id)),
  };
}
