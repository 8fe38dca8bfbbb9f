import { atLeast, type Severity } from '../core/severity.js';
import type { Finding } from '../core/finding.js';
import type { RuleId } from '../core/rule-catalog.js';

/** Findings no route takes go here: `SLACK_WEBHOOK_URL`. */
export const DEFAULT_ROUTE = 'default';

/** Alertmanager-style: every `match` field is optional, and all given ones must match. */
export interface RouteMatch {
  readonly accounts?: readonly number[];
  readonly owners?: readonly string[];
  readonly rules?: readonly RuleId[];
  readonly minSeverity?: Severity;
}

export interface Route {
  readonly name: string;
  /** The variable holding this route's webhook (or `<name>_FILE`): never the webhook itself. */
  readonly webhookEnv: string;
  readonly match: RouteMatch;
  /** Also try the routes after this one. */
  readonly continue: boolean;
}

function matches(f: Finding, m: RouteMatch): boolean {
  return (
    (m.accounts === undefined || (f.clientId !== null && m.accounts.includes(f.clientId))) &&
    (m.owners === undefined || m.owners.some((o) => o.toLowerCase() === f.owner?.toLowerCase())) &&
    (m.rules === undefined || m.rules.includes(f.rule)) &&
    (m.minSeverity === undefined || atLeast(f.severity, m.minSeverity))
  );
}

/** The routes a finding goes to, in order: the first match, and the next ones while a match says `continue`. */
export function routesOf(f: Finding, routes: readonly Route[]): string[] {
  if (f.route !== undefined) {
    return aroundRoute(f.route, routes);
  }
  const out: string[] = [];
  for (const r of routes) {
    if (matches(f, r.match)) {
      out.push(r.name);
      if (!r.continue) {
        break;
      }
    }
  }
  return out.length > 0 ? out : [DEFAULT_ROUTE];
}

/** Every route a digest may go to: the configured ones, then the default. */
export function routeNames(routes: readonly Route[]): string[] {
  return [...routes.map((r) => r.name), DEFAULT_ROUTE];
}

/**
 * Where a finding about a failing route goes: not to that route. The default route when findings can reach it
 * (SLACK_WEBHOOK_URL; not when a route with an empty `match` takes everything) and it is not the one failing;
 * else every other configured route; the failing route itself only when it is the only one.
 */
export function aroundRoute(failing: string, routes: readonly Route[]): string[] {
  const defaultUsed = !routes.some((r) => Object.keys(r.match).length === 0);
  if (defaultUsed && failing !== DEFAULT_ROUTE) {
    return [DEFAULT_ROUTE];
  }
  const others = routes.map((r) => r.name).filter((name) => name !== failing);
  return others.length > 0 ? others : [failing];
}
