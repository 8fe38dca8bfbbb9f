import { describe, expect, it } from '@jest/globals';
import { planAlerts, stateKey, type AlertPlan, type AlertState, type PlanOptions, type RunCoverage } from '../../src/alerts/plan-alerts.js';
import { DEFAULT_ROUTE, routesOf, type Route } from '../../src/alerts/route-findings.js';
import { findingId, type Finding } from '../../src/core/finding.js';
import type { RuleId } from '../../src/core/rule-catalog.js';
import type { Severity } from '../../src/core/severity.js';
import { sharedStrings } from '../../src/core/shared-strings.js';
import { parseState } from '../../src/store/alert-state-store.js';
import { planInPages, type PagedStates } from '../../src/run/plan-in-pages.js';
import { surveyStates } from '../../src/run/look-at-states.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

const HOUR = 3_600_000;
const oncall = (continues: boolean): Route => ({ name: 'oncall', webhookEnv: 'ONCALL_WEBHOOK', match: { minSeverity: 'critical' }, continue: continues });
const ROUTINGS: Route[][] = [[], [oncall(false)], [oncall(true)]];
const RULES: [RuleId, Severity][] = [
  ['never-expiring-admin', 'critical'],
  ['stale', 'medium'],
  ['never-used', 'low'],
  ['orphaned', 'high'],
];

/** A small deterministic generator (mulberry32): the same seed, the same estate. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { chance: (p: number) => next() < p, pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T };
}

const of = (clientId: number, tokenId: number, rule: RuleId, severity: Severity, extra: Partial<Finding> = {}): Finding =>
  finding(tokenId, rule, severity, { clientId, id: findingId(clientId, tokenId, rule), ...extra });

/** An estate and its states before the run: every kind of state a run meets, none of them due for a reminder. */
function estate(seed: number) {
  const r = random(seed);
  const routes = r.pick(ROUTINGS);
  const before = r.pick(ROUTINGS); // the routing the states were told under (a route may have changed since)
  const findings: Finding[] = [];
  const previous = new Map<string, AlertState>();
  const results: RunCoverage['results'][number][] = [];
  const acknowledged = new Set<string>();
  const remember = (f: Finding, route: string) => {
    const told = r.pick([null, new Date(NOW.getTime() - HOUR).toISOString(), new Date(NOW.getTime() - 100 * HOUR).toISOString()]);
    previous.set(stateKey(route, f.id), {
      key: stateKey(route, f.id),
      route,
      finding: f,
      firstSeen: new Date(NOW.getTime() - r.pick([1, 50, 900]) * HOUR).toISOString(),
      lastSeen: new Date(NOW.getTime() - HOUR).toISOString(),
      lastNotified: f.muted ? null : told,
    });
  };
  for (const clientId of [456, 789]) {
    for (let tokenId = 1; tokenId <= 40; tokenId += 1) {
      const status = r.pick(['audited', 'audited', 'audited', 'gone', 'failed', 'unread'] as const);
      if (status !== 'unread') {
        results.push({ clientId, tokenId, status, ...(status === 'audited' ? { snapshot: { expDate: null, expired: false, deleted: false, lastUsage: null, issuerDeleted: false, inInventory: true } } : {}) });
      }
      for (const [rule, severity] of RULES) {
        const muted = r.chance(0.1);
        const f = of(clientId, tokenId, rule, severity, muted ? { muted, muteReason: 'known' } : {});
        const now = status === 'audited' && r.chance(0.3);
        const was = r.chance(0.35);
        if (now) {
          findings.push(f);
        }
        if (was) {
          // Told before: where its routing sent it then, now and then on a route since renamed (a stray).
          const told = r.chance(0.1) ? { ...f, severity: r.pick(['critical', 'low'] as const) } : f;
          for (const route of r.chance(0.1) ? ['retired'] : routesOf(told, before)) {
            remember(told, route);
          }
        }
        if ((now || was) && r.chance(0.1)) {
          acknowledged.add(f.id);
        }
      }
    }
  }
  if (r.chance(0.5)) {
    findings.push(finding(0, 'coverage-gap', 'high', { clientId: 789, id: findingId(789, null, 'coverage-gap'), tokenId: null, tokenName: null }));
  }
  const options: PlanOptions = { now: NOW, minSeverity: r.pick(['low', 'medium'] as const), renotifyAfterHours: 168, routes, acknowledged };
  return { findings, previous, coverage: { results }, options };
}

/** The alert states of a Redis hash, as the store reads them: JSON, a page at a time; every HMGET recorded. */
function storeOf(states: ReadonlyMap<string, AlertState>) {
  const asked: number[] = [];
  const store: PagedStates = {
    scan: (each) => {
      for (const [key, s] of states) {
        each(key, JSON.stringify(s));
      }
      return Promise.resolve(1);
    },
    getMany: (keys, shared) => {
      asked.push(keys.length);
      return Promise.resolve(keys.flatMap((k) => (states.has(k) ? [parseState(k, JSON.stringify(states.get(k)), shared)] : [])));
    },
  };
  return { store, asked };
}

const byKey = (xs: readonly AlertState[]) => [...xs].sort((a, b) => a.key.localeCompare(b.key));
const byId = <T extends { readonly id: string }>(xs: readonly T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));

/** A plan as its consumers read it, each list in one order (the parts list their items in another). */
function comparable(plan: AlertPlan, upserts: readonly AlertState[]) {
  return {
    upserts: byKey(upserts),
    resolvedKeys: [...plan.resolvedKeys].sort(),
    open: plan.open,
    counts: plan.counts,
    resolvedAges: [...plan.resolvedAges].sort((a, b) => a - b),
    routes: plan.routes.map((r) => ({
      ...r,
      newFindings: byId(r.newFindings),
      resolved: [...r.resolved].sort((a, b) => a.finding.id.localeCompare(b.finding.id)),
    })),
  };
}

async function inPages(e: ReturnType<typeof estate>, pageSize: number) {
  const shared = sharedStrings();
  const { store, asked } = storeOf(e.previous);
  const survey = await surveyStates(store, { ...e.options, shared });
  if (survey === null) {
    throw new Error('the fake store has one version');
  }
  const staged: AlertState[] = [];
  const plan = await planInPages({
    store,
    survey,
    findings: e.findings,
    coverage: e.coverage,
    options: e.options,
    stage: (upserts) => Promise.resolve(void staged.push(...upserts)),
    shared,
    pageSize,
  });
  return { plan, staged, asked, survey };
}

describe('planInPages: a run planned a page of findings at a time', () => {
  it('plans what planAlerts plans of the whole run, over 60 estates of new, kept, muted, acknowledged, resolved, held, re-routed and stray states', async () => {
    let strays = 0;
    let held = 0;
    let moved = 0;
    for (let seed = 1; seed <= 60; seed += 1) {
      const e = estate(seed);
      const whole = planAlerts(e.previous, e.findings, e.coverage, e.options);
      expect(whole.routes.every((r) => r.reminders.length === 0)).toBe(true); // the estate is one a page may plan
      const paged = await inPages(e, 1 + (seed % 9));
      expect(paged.plan.upserts).toEqual([]); // staged instead
      expect(comparable(paged.plan, paged.staged)).toEqual(comparable(whole, whole.upserts));
      strays += paged.survey.strays.size;
      held += whole.routes.reduce((n, r) => n + (r.heldByGap ?? 0), 0);
      moved += whole.resolvedKeys.filter((k) => whole.upserts.some((u) => u.finding.id === k.slice(k.indexOf('/') + 1))).length;
    }
    // The estates did meet the cases that cross pages.
    expect([strays > 0, held > 0, moved > 0]).toEqual([true, true, true]);
  });

  it('reads the states of one page of findings at a time (every route of each), never the whole hash at once', async () => {
    const e = estate(7);
    const routes = e.options.routes.length + 1;
    const { asked } = await inPages(e, 5);
    expect(asked.length).toBe(Math.ceil(e.findings.length / 5));
    expect(Math.max(...asked)).toBe(5 * routes);
  });

  it('a run with no finding is planned from its states alone', async () => {
    const e = { ...estate(3), findings: [] };
    const paged = await inPages(e, 10);
    const whole = planAlerts(e.previous, [], e.coverage, e.options);
    expect(comparable(paged.plan, paged.staged)).toEqual(comparable(whole, whole.upserts));
    expect(paged.plan.resolvedKeys.length).toBeGreaterThan(0);
  });
});

describe('surveyStates: one look over the states before a run', () => {
  const told = (hoursAgo: number | null, f = finding(1, 'stale', 'medium'), route = DEFAULT_ROUTE): AlertState => ({
    key: stateKey(route, f.id),
    route,
    finding: f,
    firstSeen: NOW.toISOString(),
    lastSeen: NOW.toISOString(),
    lastNotified: hoursAgo === null ? null : new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(),
  });
  const look = (states: AlertState[], acknowledged?: Set<string>) =>
    surveyStates(storeOf(new Map(states.map((s) => [s.key, s]))).store, {
      now: NOW,
      renotifyAfterHours: 24,
      routes: [],
      shared: sharedStrings(),
      ...(acknowledged === undefined ? {} : { acknowledged }),
    });

  it('says a reminder may fall due when a state was told renotifyAfterHours ago or more, and it is not acknowledged', async () => {
    expect((await look([told(23), told(null, finding(2))]))?.due).toBe(false);
    expect((await look([told(23), told(24, finding(2))]))?.due).toBe(true);
    expect((await look([told(24, finding(2))], new Set([finding(2).id])))?.due).toBe(false);
  });

  it('keeps the states of routes no longer configured, by finding, and names the tokens the states are about', async () => {
    const survey = await look([told(1), told(1, finding(2), 'retired'), told(1, finding(0, 'coverage-gap', 'high', { tokenId: null }))]);
    expect([...(survey?.strays.keys() ?? [])]).toEqual([finding(2).id]);
    expect(survey?.strays.get(finding(2).id)?.map((s) => s.key)).toEqual([`retired/${finding(2).id}`]);
    expect(survey?.wanted.names(456, 1, finding(1).id)).toBe(true);
    expect(survey?.wanted.names(456, 2, finding(2).id)).toBe(true);
    expect(survey?.wanted.names(456, 3, finding(1).id)).toBe(false);
  });

  it('says when a state names a finding the results were not folded for, and is null when a commit came in during the look', async () => {
    const known = { names: (c: number, t: number) => c === 456 && t === 1 };
    const store = storeOf(new Map([told(1), told(1, finding(2))].map((s) => [s.key, s]))).store;
    expect((await surveyStates(store, { now: NOW, renotifyAfterHours: 24, routes: [], shared: sharedStrings(), known }))?.unread).toBe(true);
    expect((await surveyStates(store, { now: NOW, renotifyAfterHours: 24, routes: [], shared: sharedStrings(), known: { names: () => true } }))?.unread).toBe(false);
    const moving: PagedStates['scan'] = () => Promise.resolve(null);
    expect(await surveyStates({ scan: moving }, { now: NOW, renotifyAfterHours: 24, routes: [], shared: sharedStrings() })).toBeNull();
  });
});
