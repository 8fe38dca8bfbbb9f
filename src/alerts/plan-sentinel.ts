import { atLeast, severityRank, type Severity } from '../core/severity.js';
import type { Finding } from '../core/finding.js';
import type { RuleId } from '../core/rule-catalog.js';
import { stateKey, type AlertState } from './plan-alerts.js';
import { routeNames, routesOf, type Route } from './route-findings.js';

/** Tokens one "New token" message names: each is one section, well within Slack's 50 blocks and 12k characters. */
export const NEW_TOKENS_PER_MESSAGE = 10;

/** A new token as the sentinel tells it: who issued it, its role and expiry, and the rules it breaks. */
export interface NewTokenEntry {
  readonly clientId: number;
  readonly accountName: string | null;
  readonly tokenId: number;
  readonly tokenName: string | null;
  /** `John Doe <john@example.com>`, or null when the token could not say. */
  readonly issuer: string | null;
  readonly role: string | null;
  readonly created: string | null;
  readonly expDate: string | null;
  readonly severity: Severity;
  readonly rules: readonly { readonly rule: RuleId; readonly severity: Severity; readonly message: string }[];
  /** remediation.quarantine: when the token is deleted unless muted or kept (quarantineLine); absent: not quarantined. */
  readonly quarantine?: string;
}

/** What one route is told by a sweep: the tokens it names, and how many more wait for the next run. */
export interface NewTokenAlert {
  readonly route: string;
  readonly entries: readonly NewTokenEntry[];
  /** New tokens at the severity that the route's budget left out: not recorded, so the next run's digest has them. */
  readonly left: number;
}

export interface SentinelPlan {
  /** States of the findings posted, notified now: the next run does not post them again. */
  readonly upserts: AlertState[];
  /** One per route with something to say. */
  readonly alerts: NewTokenAlert[];
}

export interface SentinelPlanOptions {
  readonly now: Date;
  /** The sentinel's minimum: findings below it wait for the next run. */
  readonly minSeverity: Severity;
  /** The digest's minimum still holds: the sentinel never posts what a run would not. */
  readonly slackMinSeverity: Severity;
  readonly routes: readonly Route[];
  /** Messages a route may get from one sweep (notify.slack.maxMessagesPerRun). */
  readonly maxMessages: number;
}

function issuerOf(f: Finding): string | null {
  if (f.issuer === null) {
    return null;
  }
  return f.issuer.email === '' || f.issuer.email === f.issuer.name ? f.issuer.name : `${f.issuer.name} <${f.issuer.email}>`;
}

/**
 * What a sweep posts about tokens it has never seen, as a pure function: their findings (mutes applied) and
 * the alert states in, the states to write and each route's "New token" alert out. A finding is posted when
 * it is unmuted, at or above both minimums, and its route has not been told of it yet; a route names at most
 * `maxMessages × NEW_TOKENS_PER_MESSAGE` tokens, most severe first, and records only those.
 */
export function planSentinel(previous: ReadonlyMap<string, AlertState>, findings: readonly Finding[], options: SentinelPlanOptions): SentinelPlan {
  const now = options.now.toISOString();
  const byRoute = new Map<string, Map<string, Finding[]>>(routeNames(options.routes).map((r) => [r, new Map()]));
  for (const f of findings) {
    if (f.muted || f.tokenId === null || f.clientId === null || !atLeast(f.severity, options.minSeverity) || !atLeast(f.severity, options.slackMinSeverity)) {
      continue;
    }
    for (const route of routesOf(f, options.routes)) {
      if ((previous.get(stateKey(route, f.id))?.lastNotified ?? null) !== null) {
        continue; // a run (or another sweep) told this route already
      }
      const tokens = byRoute.get(route);
      const token = `${f.clientId}:${f.tokenId}`;
      // Stryker disable next-line OptionalChaining: routesOf gives only names routeNames lists, so the route's map is always there
      tokens?.set(token, [...(tokens.get(token) ?? []), f]);
    }
  }

  const capacity = options.maxMessages * NEW_TOKENS_PER_MESSAGE;
  const upserts: AlertState[] = [];
  const alerts: NewTokenAlert[] = [];
  for (const [route, tokens] of byRoute) {
    if (tokens.size === 0) {
      continue;
    }
    const entries = [...tokens.values()].map((fs) => entryOf(fs)).sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.tokenId - b.tokenId);
    const shown = entries.slice(0, capacity);
    const shownTokens = new Set(shown.map((e) => `${e.clientId}:${e.tokenId}`));
    for (const [token, fs] of tokens) {
      if (shownTokens.has(token)) {
        for (const f of fs) {
          const prev = previous.get(stateKey(route, f.id));
          upserts.push({ key: stateKey(route, f.id), route, finding: f, firstSeen: prev?.firstSeen ?? now, lastSeen: now, lastNotified: now });
        }
      }
    }
    alerts.push({ route, entries: shown, left: entries.length - shown.length });
  }
  return { upserts, alerts };
}

function entryOf(fs: readonly Finding[]): NewTokenEntry {
  const rules = [...fs].sort((a, b) => severityRank(b.severity) - severityRank(a.severity)).map((f) => ({ rule: f.rule, severity: f.severity, message: f.message }));
  const f = fs[0] as Finding;
  return {
    clientId: f.clientId as number,
    accountName: f.accountName,
    tokenId: f.tokenId as number,
    tokenName: f.tokenName,
    issuer: issuerOf(f),
    role: f.role,
    created: f.created,
    expDate: f.expDate,
    // Stryker disable next-line OptionalChaining: an entry is made of at least one finding, so rules[0] is always there
    severity: rules[0]?.severity ?? f.severity,
    rules,
  };
}
