import { describe, expect, it } from '@jest/globals';
import { planAlerts, stateKey, type AlertPlan, type AlertState, type PlanOptions, type RunCoverage } from '../../src/alerts/plan-alerts.js';
import { DEFAULT_ROUTE, routesOf, type Route } from '../../src/alerts/route-findings.js';
import { findingId, type Finding } from '../../src/core/finding.js';
import type { RuleId } from '../../src/core/rule-catalog.js';
import type { Severity } from '../../src/core/severity.js';
import { sharedStrings } from '../../src/core/shared-strings.js';
import { parseState } from '../../src/store/alert-state-store.js';
import { planInPages, type PagedStates } from '../../src/run/plan-in-pages.js';
import { lookAtStates, surveyStates } from '../../src/run/look-at-states.js';
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

/** An estate and its states before the run: every kind of state a run meets; in one estate of three, a reminder may fall due. */
function estate(seed: number) {
  const r = random(seed);
  const overdue = seed % 3 === 0;
  const routes = r.pick(ROUTINGS);
  const before = r.pick(ROUTINGS); // the routing the states were told under (a route may have changed since)
  const findings: Finding[] = [];
  const previous = new Map<string, AlertState>();
  const results: RunCoverage['results'][number][] = [];
  const acknowledged = new Set<string>();
  const remember = (f: Finding, route: string) => {
    const told = r.pick([null, new Date(NOW.getTime() - HOUR).toISOString(), new Date(NOW.getTime() - (overdue && r.chance(0.05) ? 200 : 100) * HOUR).toISOString()]);
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
    dueRoutes: plan.dueRoutes,
    resolvedAges: [...plan.resolvedAges].sort((a, b) => a - b),
    routes: plan.routes.map((r) => ({
      ...r,
      newFindings: byId(r.newFindings),
      reminders: byKey(r.reminders),
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
  let staged: AlertState[] = [];
  let passes = 0;
  const plan = await planInPages({
    store,
    survey,
    findings: e.findings,
    coverage: e.coverage,
    options: e.options,
    // Each pass stages afresh: what a first pass staged is not committed.
    stage: () => {
      passes += 1;
      staged = [];
      return (upserts) => Promise.resolve(void staged.push(...upserts));
    },
    shared,
    pageSize,
  });
  return { plan, staged, asked, survey, passes };
}

describe('planInPages: a run planned a page of findings at a time', () => {
  it('plans what planAlerts plans of the whole run, over 60 estates of new, kept, muted, acknowledged, resolved, held, re-routed and stray states', async () => {
    let strays = 0;
    let held = 0;
    let moved = 0;
    let reminded = 0;
    for (let seed = 1; seed <= 60; seed += 1) {
      const e = estate(seed);
      const whole = planAlerts(e.previous, e.findings, e.coverage, e.options);
      const paged = await inPages(e, 1 + (seed % 9));
      const reminders = whole.routes.reduce((n, r) => n + r.reminders.length, 0);
      reminded += reminders;
      // A reminder day is planned twice (the first pass finds the routes due), a quiet day once.
      expect(paged.passes).toBe(whole.dueRoutes === undefined ? 1 : 2);
      expect(paged.plan.upserts).toEqual([]); // staged instead
      expect(comparable(paged.plan, paged.staged)).toEqual(comparable(whole, whole.upserts));
      strays += paged.survey.strays.size;
      held += whole.routes.reduce((n, r) => n + (r.heldByGap ?? 0), 0);
      moved += whole.resolvedKeys.filter((k) => whole.upserts.some((u) => u.finding.id === k.slice(k.indexOf('/') + 1))).length;
    }
    // The estates did meet the cases that cross pages.
    expect([strays > 0, held > 0, moved > 0, reminded > 0]).toEqual([true, true, true, true]);
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
  const look = (states: AlertState[]) => surveyStates(storeOf(new Map(states.map((s) => [s.key, s]))).store, { routes: [], shared: sharedStrings() });

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
    expect((await surveyStates(store, { routes: [], shared: sharedStrings(), known }))?.unread).toBe(true);
    expect((await surveyStates(store, { routes: [], shared: sharedStrings(), known: { names: () => true } }))?.unread).toBe(false);
    const moving: PagedStates['scan'] = () => Promise.resolve(null);
    expect(await surveyStates({ scan: moving }, { routes: [], shared: sharedStrings() })).toBeNull();
  });

  it('a state about a whole account (a coverage gap) names no token: it never makes the results unread', async () => {
    const gap = told(1, finding(0, 'coverage-gap', 'high', { tokenId: null }));
    const survey = await surveyStates(storeOf(new Map([[gap.key, gap]])).store, { routes: [], shared: sharedStrings(), known: { names: () => false } });
    expect(survey?.unread).toBe(false);
  });
});

describe('lookAtStates: paged, whole only when commits keep coming', () => {
  const told = (hoursAgo: number, f = finding(1)): AlertState => ({
    key: stateKey(DEFAULT_ROUTE, f.id),
    route: DEFAULT_ROUTE,
    finding: f,
    firstSeen: NOW.toISOString(),
    lastSeen: NOW.toISOString(),
    lastNotified: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(),
  });
  const options = { routes: [], shared: sharedStrings() };
  /** A store whose scans see a commit come in `moving` times first; its loads counted. */
  function store(states: AlertState[], moving = 0) {
    const map = new Map(states.map((s) => [s.key, s]));
    const { store: paged } = storeOf(map);
    let left = moving;
    let loads = 0;
    return {
      scan: (each: (key: string, json: string) => void) => (left-- > 0 ? Promise.resolve(null) : paged.scan(each)),
      load: () => {
        loads += 1;
        return Promise.resolve({ version: 9, states: map });
      },
      loads: () => loads,
    };
  }

  it('plans in pages from the look, reading no state whole, a reminder due or not', async () => {
    const s = store([told(30), told(2, finding(2))]);
    const looked = await lookAtStates(s, options);
    expect([looked.whole, looked.version, s.loads()]).toEqual([null, 1, 0]);
    expect(looked.wanted.names(456, 2, finding(2).id)).toBe(true);
  });

  it('read whole, says whether the states name findings the results were not read for', async () => {
    const whole = (states: AlertState[], known?: { names: (c: number, t: number) => boolean }) =>
      lookAtStates(store(states, 3), { ...options, ...(known === undefined ? {} : { known }) });
    const looked = await whole([told(30), told(2, finding(2))], { names: (_c, t) => t === 1 });
    expect([looked.whole?.size, looked.version, looked.unread]).toEqual([2, 9, true]);
    expect(looked.wanted.names(456, 2, finding(2).id)).toBe(true);
    expect((await whole([told(30), told(2, finding(2))], { names: () => true })).unread).toBe(false);
    expect((await whole([told(30)])).unread).toBe(false);
    const gap = told(30, finding(0, 'coverage-gap', 'high', { tokenId: null }));
    expect((await whole([gap], { names: () => false })).unread).toBe(false);
  });

  it('looks again while commits come in, up to three times, then reads the states whole', async () => {
    const twice = store([told(1)], 2);
    expect([(await lookAtStates(twice, options)).whole, twice.loads()]).toEqual([null, 0]);
    const thrice = store([told(1)], 3);
    expect([(await lookAtStates(thrice, options)).whole?.size, thrice.loads()]).toEqual([1, 1]);
  });
});
