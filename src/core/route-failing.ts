import { findingId, NO_TOKEN, type Finding } from './finding.js';
import { REMEDIATION } from './rule-catalog.js';

/** A Slack route whose delivery attempts keep failing (see ROUTE_FAILING_ATTEMPTS in outbox-store). */
export interface FailingRoute {
  readonly route: string;
  readonly attempts: number;
  /** When its first failed attempt in a row was (ISO). */
  readonly since: string;
  readonly reason: string;
}

/**
 * Each failing route as one `slack-route-failing` finding (high), like `coverage-gap`: about no token, posted
 * through the other routes (routesOf), reminded, and resolved once the route delivers again.
 */
export function routeFailingFindings(failing: readonly FailingRoute[]): Finding[] {
  return failing.map((f) => ({
    id: findingId(`route:${f.route}`, null, 'slack-route-failing'),
    rule: 'slack-route-failing',
    severity: 'high',
    clientId: null,
    accountName: `Slack route ${f.route}`,
    ...NO_TOKEN,
    message: `Slack route "${f.route}" has not accepted its messages for ${f.attempts} delivery attempts in a row since ${f.since} (last: ${f.reason}); they are kept queued for it.`,
    remediation: REMEDIATION['slack-route-failing'],
    muted: false,
    muteReason: null,
    route: f.route,
  }));
}
