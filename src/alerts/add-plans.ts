import type { AlertPlan, RoutePlan } from './plan-alerts.js';
import type { ChangeCounts } from './count-changes.js';
import type { OpenTally, RunOpen } from './open-tally.js';
import type { Severity } from '../core/severity.js';

const addCounts = (a: ChangeCounts, b: ChangeCounts): ChangeCounts => ({ new: a.new + b.new, resolved: a.resolved + b.resolved, open: a.open + b.open });

const addTallies = (a: OpenTally, b: OpenTally): OpenTally => ({
  unmuted: a.unmuted + b.unmuted,
  shown: a.shown + b.shown,
  critical: a.critical + b.critical,
  high: a.high + b.high,
});

function addOpen(a: RunOpen, b: RunOpen): RunOpen {
  const byRule = new Map(a.byRule);
  for (const [c, n] of b.byRule) {
    byRule.set(c, (byRule.get(c) ?? 0) + n);
  }
  const oldest = new Map<Severity, number>(a.oldest);
  for (const [severity, at] of b.oldest) {
    oldest.set(severity, Math.min(at, oldest.get(severity) ?? at));
  }
  return { ...addTallies(a, b), muted: a.muted + b.muted, byRule, oldest };
}

function addRoutes(a: RoutePlan, b: RoutePlan, all: ChangeCounts): RoutePlan {
  return {
    route: a.route,
    newFindings: [...a.newFindings, ...b.newFindings],
    reminders: [...a.reminders, ...b.reminders],
    resolved: [...a.resolved, ...b.resolved],
    open: addTallies(a.open, b.open),
    muted: a.muted + b.muted,
    belowMinSeverity: a.belowMinSeverity + b.belowMinSeverity,
    heldByGap: (a.heldByGap ?? 0) + (b.heldByGap ?? 0),
    ...(a.acknowledged === undefined && b.acknowledged === undefined ? {} : { acknowledged: (a.acknowledged ?? 0) + (b.acknowledged ?? 0) }),
    counts: { route: addCounts(a.counts?.route ?? ZERO, b.counts?.route ?? ZERO), all },
  };
}

const ZERO: ChangeCounts = { new: 0, resolved: 0, open: 0 };

/**
 * Two plans of one run made from disjoint parts of it, as one: each part planned the findings of its own ids
 * and every state of those ids (planAlerts with the run's `gapAccounts`), so a finding is counted in one part
 * only and the counts add up. Both parts have the same routes in the same order (routeNames of one
 * configuration). Their reminders are right when every part was planned with the same `remindRoutes`: the
 * routes due in the whole run (the parts' `dueRoutes` added up), or none fell due in any part.
 */
export function addPlans(a: AlertPlan, b: AlertPlan): AlertPlan {
  const counts = addCounts(a.counts, b.counts);
  const due = [...new Set([...(a.dueRoutes ?? []), ...(b.dueRoutes ?? [])])];
  return {
    ...(due.length === 0 ? {} : { dueRoutes: due }),
    upserts: [...a.upserts, ...b.upserts],
    resolvedKeys: [...a.resolvedKeys, ...b.resolvedKeys],
    open: addOpen(a.open, b.open),
    counts,
    resolvedAges: [...a.resolvedAges, ...b.resolvedAges],
    routes: a.routes.map((r, i) => {
      const other = b.routes[i];
      if (other?.route !== r.route) {
        throw new Error(`plans of different routes cannot be added: ${r.route} against ${other?.route ?? 'none'}`);
      }
      return addRoutes(r, other, counts);
    }),
  };
}
