import type { Click } from '../../alerts/actions/parse-interaction.js';
import { routeNames } from '../../alerts/route-findings.js';
import type { Finding } from '../../core/finding.js';
import { parseTokenPair } from '../../core/revocation.js';
import { tell, type ActionDeps, type ActionOutcome } from './action-deps.js';

/**
 * The token a button names and its open findings, checked against Redis: a value that names no token, or a
 * token with no open finding (forged, or stale: resolved or revoked since), is answered and acts on nothing.
 */
export async function tokenOfClick(
  click: Click,
  deps: Pick<ActionDeps, 'store' | 'web' | 'config'>,
): Promise<{ clientId: number; tokenId: number; findings: Finding[] } | { outcome: ActionOutcome }> {
  const pair = parseTokenPair(click.value);
  if (pair === null) {
    await tell(deps, click, 'This button names no token: nothing was done.');
    return { outcome: 'invalid' };
  }
  const findings = await deps.store.openFindingsOf(pair.clientId, pair.tokenId, routeNames(deps.config.notify.slack.routes));
  if (findings.length === 0) {
    await tell(deps, click, `Token ${pair.tokenId} (account ${pair.clientId}) has no open finding any more: nothing was done.`);
    return { outcome: 'stale' };
  }
  return { ...pair, findings };
}
