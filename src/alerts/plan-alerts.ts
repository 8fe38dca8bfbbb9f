import { atLeast, type Severity } from '../core/severity.js';
import type { Finding } from '../core/finding.js';
import type { TokenResult } from '../core/report.js';
import { resolveReason } from './resolve-reason.js';
import { routeNames, routesOf, type Route } from './route-findings.js';
import { countChanges, type ChangeCounts } from './count-changes.js';
import type { AlertState, ResolvedFinding } from './alert-state.js';
import { runOpen, tallyOpen, type OpenTally, type RunOpen } from './open-tally.js';
import { resolvedAges } from '../core/finding-ages.js';

// Re-exported: these types live in alert-state.ts so that count-changes.ts need not import this file (no circle).
export type { AlertState, ResolvedFinding } from './alert-state.js';

/** What a run read: only a read token (audited, or 404) can resolve its findings. */
export interface RunCoverage {
  readonly results: readonly Pick<TokenResult, 'clientId' | 'tokenId' | 'status' | 'snapshot'>[];
}

/** What one route (one webhook) is to be told about this run. */
export interface RoutePlan {
  readonly route: string;
  readonly newFindings: Finding[];
  /** Empty, or every open notified finding of the route: they are reminded, and so fall due, together. */
  readonly reminders: AlertState[];
  /** Resolved findings that had been posted (the others resolve silently). */
  readonly resolved: ResolvedFinding[];
  /** The route's open unmuted findings after the run, counted (its header's "N open"). */
  readonly open: OpenTally;
  readonly muted: number;
  readonly belowMinSeverity: number;
  /**
   * Open unmuted findings of tokens this run did not read because their account has a coverage gap: counted
   * open, neither resolved nor failed, "held by the coverage gap". (Optional only for plans built by hand.)
   */
  readonly heldByGap?: number;
  /** Open unmuted findings acknowledged from Slack (reminders skip them): the header counts them apart. */
  readonly acknowledged?: number;
  /** This route's numbers (its header's) and the run's in all (`runs`, `report`, /metrics): countChanges. */
  readonly counts?: { readonly route: ChangeCounts; readonly all: ChangeCounts };
}

export interface AlertPlan {
  /** States to write (new or changed). */
  readonly upserts: AlertState[];
  /** State keys to delete: resolved, or no longer routed there. */
  readonly resolvedKeys: string[];
  /**
   * The findings open after this run (the upserts plus the states kept open because the run did not read their
   * token), counted once each whatever their routes.
   */
  readonly open: RunOpen;
  /** How the run moved the findings, over every route (countChanges): what `runs`, `report` and /metrics read. */
  readonly counts: ChangeCounts;
  /** Seconds from first seen to now of each finding the run resolved, once per finding (resolvedAges). */
  readonly resolvedAges: readonly number[];
  /** One per route, the default last. */
  readonly routes: RoutePlan[];
  /**
   * The routes whose reminder fell due among the findings planned (whatever `remindRoutes` said): a run planned a
   * part at a time plans again with these as `remindRoutes` when any part found one. Absent: none.
   */
  readonly dueRoutes?: readonly string[];
}

export interface PlanOptions {
  readonly now: Date;
  readonly minSeverity: Severity;
  readonly renotifyAfterHours: number;
  readonly routes: readonly Route[];
  /** Finding ids acknowledged from Slack and still in force: open, but never reminded (absent: none). */
  readonly acknowledged?: ReadonlySet<string>;
  /**
   * The accounts with a coverage gap in this run (gapAccounts of the run's findings): their unread tokens' open
   * findings are "held". Absent: read from `findings`, which then must be all of the run's.
   */
  readonly gapAccounts?: ReadonlySet<number | string | null>;
  /**
   * The routes whose reminder is due in this run, as a plan of all its findings found (AlertPlan.dueRoutes of
   * every part): a part of the run reminds its findings of these routes though none of its own fell due.
   * Absent: each route's due-ness is found from the findings planned.
   */
  readonly remindRoutes?: ReadonlySet<string>;
}

/** The accounts a run's coverage-gap findings name (by client id, or by name for an account with no id). */
export function gapAccounts(findings: Iterable<Finding>): Set<number | string | null> {
  const out = new Set<number | string | null>();
  for (const f of findings) {
    if (f.rule === 'coverage-gap') {
      out.add(f.clientId ?? f.accountName);
    }
  }
  return out;
}

export const stateKey = (route: string, findingId: string) => `${route}/${findingId}`;
const tokenKey = (clientId: number | null, tokenId: number | null) => `${clientId}:${tokenId}`;

/**
 * The alert lifecycle as a pure function: previous states and this run's findings in, what to store and what
 * to tell each route out. Told: findings new since the last run (or whose mute lapsed, or that rose above the
 * minimum severity); every open finding again once any has gone `renotifyAfterHours` without a word; and
 * findings resolved since the last run. A token finding resolves only when this run read the token (audited,
 * or 404): a token that failed, or that a listing left out, keeps its findings open. A `coverage-gap` resolves
 * when a run no longer finds the gap.
 */
export function planAlerts(
  previous: ReadonlyMap<string, AlertState>,
  findings: readonly Finding[],
  coverage: RunCoverage,
  options: PlanOptions,
): AlertPlan {
  const now = options.now.toISOString();
  const renotifyMs = options.renotifyAfterHours * 3_600_000;
  const names = routeNames(options.routes);
  const perRoute = new Map(
    names.map((r) => [r, { states: [] as AlertState[], newFindings: [] as Finding[], resolved: [] as ResolvedFinding[] }]),
  );
  // A finding leaving a route it was told in (the route renamed or re-routed) takes its told state to its new
  // route: it was told already, so it is not new there. A route added beside the old one still hears it.
  // `byId`: this run's findings by id. A state stays when its finding is found again and still goes to its
  // route; asked of the finding's own id string (not a set of route/id texts, one new string per finding).
  const byId = new Map(findings.map((f) => [f.id, f]));
  const stays = (state: AlertState) => {
    const f = byId.get(state.finding.id);
    return f !== undefined && routesOf(f, options.routes).includes(state.route);
  };
  // The states this run does not find again where they were (resolved, held, moved): asked once each, and every
  // later question about states is about these only.
  const leaving = [...previous].filter(([, state]) => !stays(state));
  const moving = new Map<string, AlertState>();
  for (const [, state] of leaving) {
    if (state.lastNotified !== null || !moving.has(state.finding.id)) {
      moving.set(state.finding.id, state);
    }
  }

  for (const f of findings) {
    const notifiable = !f.muted && atLeast(f.severity, options.minSeverity);
    for (const route of routesOf(f, options.routes)) {
      const key = stateKey(route, f.id);
      const prev = previous.get(key) ?? moving.get(f.id);
      let lastNotified = f.muted ? null : (prev?.lastNotified ?? null);
      const slot = perRoute.get(route);
      if (notifiable && lastNotified === null) {
        // Stryker disable next-line OptionalChaining: routesOf gives only names routeNames lists, so the slot is always there
        slot?.newFindings.push(f);
        lastNotified = now;
      }
      slot?.states.push({ key, route, finding: f, firstSeen: prev?.firstSeen ?? now, lastSeen: now, lastNotified });
    }
  }

  // Asked only about states this run did not find again (resolved, held, moved): built at the first such
  // question, so a run where every open finding is still there builds no index of its results.
  let results: Map<string, RunCoverage['results'][number]> | undefined;
  const resultOf = (f: Finding) => {
    results ??= new Map(coverage.results.map((r) => [tokenKey(r.clientId, r.tokenId), r]));
    return results.get(tokenKey(f.clientId, f.tokenId));
  };
  const read = (f: Finding) => {
    const r = resultOf(f);
    return r !== undefined && r.status !== 'failed';
  };
  const resolvedKeys: string[] = [];
  const keptOpen: AlertState[] = [];
  const retold = new Set<string>();
  const rehomed: AlertState[] = [];
  const resolution = (f: Finding): ResolvedFinding => ({
    finding: f,
    reason: resolveReason(f, resultOf(f), options.now),
  });
  for (const [key, state] of leaving) {
    const slot = perRoute.get(state.route);
    const resolves = state.finding.rule === 'coverage-gap' || state.finding.rule === 'slack-route-failing' || read(state.finding);
    if (slot === undefined && !byId.has(state.finding.id) && resolves && state.lastNotified !== null) {
      // Its route is gone (renamed): the resolution of what was told there is told where the finding goes now,
      // once, unless that route has a state of its own for it (which resolves on its own).
      resolvedKeys.push(key);
      for (const r of routesOf(state.finding, options.routes)) {
        if (!previous.has(stateKey(r, state.finding.id)) && !retold.has(stateKey(r, state.finding.id))) {
          retold.add(stateKey(r, state.finding.id));
          perRoute.get(r)?.resolved.push(resolution(state.finding));
        }
      }
    } else if (slot === undefined || byId.has(state.finding.id)) {
      resolvedKeys.push(key); // the route is gone, or no longer takes this finding: nothing to tell it
      if (slot === undefined && !byId.has(state.finding.id) && !resolves) {
        // Not read in this run (held): it moves, still open and with its told state, to the routes it goes to now.
        for (const r of routesOf(state.finding, options.routes)) {
          const moved = stateKey(r, state.finding.id);
          if (!previous.has(moved) && !retold.has(moved)) {
            retold.add(moved);
            rehomed.push({ ...state, key: moved, route: r });
          }
        }
      }
    } else if (resolves) {
      resolvedKeys.push(key);
      if (state.lastNotified !== null) {
        slot.resolved.push(resolution(state.finding));
      }
    } else {
      keptOpen.push(state);
    }
  }

  keptOpen.push(...rehomed);
  const gaps = options.gapAccounts ?? gapAccounts(findings);
  const held = (f: Finding) => f.tokenId !== null && !f.muted && gaps.has(f.clientId);
  const upserts: AlertState[] = [];
  const dueRoutes: string[] = [];
  // Each route's open findings are listed here only to be counted (countChanges, tallyOpen), then dropped.
  const routes: (Omit<RoutePlan, 'open'> & { readonly open: Finding[] })[] = [];
  for (const [route, slot] of perRoute) {
    const isNew = new Set(slot.newFindings.map((f) => f.id));
    const kept = keptOpen.filter((s) => s.route === route);
    const notified = (s: AlertState) =>
      !isNew.has(s.finding.id) &&
      s.lastNotified !== null &&
      !s.finding.muted &&
      atLeast(s.finding.severity, options.minSeverity) &&
      // Acknowledged: someone is on it; it neither falls due nor is reminded until the acknowledgement lapses.
      options.acknowledged?.has(s.finding.id) !== true;
    // Only findings this run saw can be reminded (a reminder rewrites their state): the others wait for a run that reads them.
    const fellDue = slot.states.some((s) => notified(s) && options.now.getTime() - Date.parse(s.lastNotified ?? now) >= renotifyMs);
    if (fellDue) {
      dueRoutes.push(route);
    }
    const due = options.remindRoutes === undefined ? fellDue : options.remindRoutes.has(route);
    const reminders = due ? slot.states.filter(notified) : [];
    const reminded = new Set(reminders.map((s) => s.key));
    for (const s of slot.states) {
      upserts.push(reminded.has(s.key) ? { ...s, lastNotified: now } : s);
    }
    const open = [...slot.states.map((s) => s.finding), ...kept.map((s) => s.finding)];
    routes.push({
      route,
      newFindings: slot.newFindings,
      reminders,
      resolved: slot.resolved,
      open: open.filter((f) => !f.muted),
      muted: open.filter((f) => f.muted).length,
      belowMinSeverity: open.filter((f) => !f.muted && !atLeast(f.severity, options.minSeverity)).length,
      heldByGap: kept.filter((s) => held(s.finding)).length,
      ...(options.acknowledged === undefined ? {} : { acknowledged: open.filter((f) => !f.muted && options.acknowledged?.has(f.id) === true).length }),
    });
  }
  const all = countChanges(routes);
  const open = [...upserts, ...keptOpen];
  return {
    upserts: [...upserts, ...rehomed], // a held finding that moved route is written under its new key
    resolvedKeys,
    open: runOpen(open, options.minSeverity),
    counts: all,
    resolvedAges: resolvedAges(previous, resolvedKeys, open, options.now),
    routes: routes.map((r) => ({ ...r, open: tallyOpen(r.open, options.minSeverity), counts: { route: countChanges([r]), all } })),
    ...(dueRoutes.length === 0 ? {} : { dueRoutes }),
  };
}
