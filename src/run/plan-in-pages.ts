import type { Finding } from '../core/finding.js';
import { inChunks } from '../core/in-chunks.js';
import { findingIdSet } from '../core/finding-id-set.js';
import type { SharedStrings } from '../core/shared-strings.js';
import { addPlans } from '../alerts/add-plans.js';
import { gapAccounts, planAlerts, stateKey, type AlertPlan, type AlertState, type PlanOptions, type RunCoverage } from '../alerts/plan-alerts.js';
import { routeNames } from '../alerts/route-findings.js';
import { parseState } from '../store/alert-state-store.js';

/** Findings planned per page when the caller names none: their states are read with one HMGET. */
export const PLAN_PAGE_SIZE = 1_000;

/** What the paged planning reads of the alert states (AlertStateStore has it). */
export interface PagedStates {
  /** Every state's key and JSON, a page at a time, not kept; the version they are of, or null when a commit came in. */
  readonly scan: (each: (key: string, json: string) => void) => Promise<number | null>;
  /** The states at these keys that exist. */
  readonly getMany: (keys: readonly string[], shared: SharedStrings) => Promise<AlertState[]>;
}

/** A state's finding id, from its key (`<route>/<finding id>`: a route's name has no slash, nor has an id). */
const findingIdOf = (key: string) => key.slice(key.lastIndexOf('/') + 1);

export interface PagedPlannerInput {
  readonly store: Pick<PagedStates, 'scan' | 'getMany'>;
  /** States of routes no longer configured, by finding id (StateSurvey.strays). */
  readonly survey: { readonly strays: ReadonlyMap<string, readonly AlertState[]> };
  readonly options: PlanOptions;
  /** Where each part's states to write go (the commit's staging): they are not kept. */
  readonly stage: (upserts: readonly AlertState[]) => Promise<void>;
  /** The texts pool states are parsed with. */
  readonly shared: SharedStrings;
  readonly pageSize?: number;
}

/**
 * A run's alert plan made as its findings come: `page` plans a batch of findings with the states of their ids
 * (every configured route's, and the strays'), read with one HMGET a page, its states to write staged and
 * dropped; `finish` then plans the states of findings the run did not find (resolved, held, moved on), which
 * need the run's coverage and its gap accounts. The parts add up to the plan of the whole run (addPlans) when
 * every part knew which routes are due for a reminder (inPasses): memory holds a page of states, the ids of the
 * findings found, and what changed; not every state nor every finding. The plan's `upserts` are empty: they
 * were staged.
 */
export function pagedPlanner(input: PagedPlannerInput) {
  const { store, shared } = input;
  const routes = routeNames(input.options.routes);
  const size = input.pageSize ?? PLAN_PAGE_SIZE;
  // Every finding id a page held, 8 bytes each (a report job at 100,000 tokens finds 30,000).
  const found = findingIdSet();
  let plan: AlertPlan | undefined;
  const add = async (part: AlertPlan): Promise<AlertPlan> => {
    await input.stage(part.upserts);
    const kept = { ...part, upserts: [] };
    plan = plan === undefined ? kept : addPlans(plan, kept);
    return plan;
  };
  // A page's states all belong to findings it holds: none is kept open for want of a read, so none is held by a
  // gap, and none resolves; the run's coverage and gap accounts matter only to the states left at the end.
  const pageOptions: PlanOptions = { ...input.options, gapAccounts: new Set() };
  return {
    async page(findings: readonly Finding[]): Promise<void> {
      for (const page of inChunks(findings, size)) {
        const previous = new Map<string, AlertState>();
        for (const s of await store.getMany(page.flatMap((f) => routes.map((r) => stateKey(r, f.id))), shared)) {
          previous.set(s.key, s);
        }
        for (const f of page) {
          found.add(f.id);
          for (const s of input.survey.strays.get(f.id) ?? []) {
            previous.set(s.key, s);
          }
        }
        await add(planAlerts(previous, page, NOTHING_READ, pageOptions));
      }
    },
    /** The states of findings no page held; the whole plan. `gaps`: the run's gap accounts (gapAccounts of its findings). */
    async finish(coverage: RunCoverage, gaps: ReadonlySet<number | string | null>): Promise<AlertPlan> {
      // The version check of the commit covers a write since the look.
      const left = new Map<string, AlertState>();
      await store.scan((key, json) => {
        if (!found.has(findingIdOf(key))) {
          left.set(key, parseState(key, json, shared));
        }
      });
      return add(planAlerts(left, [], coverage, { ...input.options, gapAccounts: gaps }));
    },
  };
}

const NOTHING_READ: RunCoverage = { results: [] };

export interface PagedPlanInput extends PagedPlannerInput {
  /** Every finding of the run (its report's). */
  readonly findings: readonly Finding[];
  readonly coverage: RunCoverage;
}

/**
 * A run planned a part at a time, in one pass or two: a part cannot know that another part's finding makes its
 * route's reminder fall due (every told finding of the route is then reminded). `pass` plans the whole run once,
 * staging afresh, with the routes to remind; when the first pass finds routes due, `drop` is given the first
 * pass (what it staged is not committed) and a second pass reminds them in every part. Quiet days take one pass;
 * a reminder day reads the run twice. The pass kept is returned whole.
 */
export async function inPasses<T extends { readonly plan: AlertPlan }>(
  pass: (remindRoutes: ReadonlySet<string> | undefined) => Promise<T>,
  drop?: (first: T) => Promise<void>,
): Promise<T> {
  const first = await pass(undefined);
  if (first.plan.dueRoutes === undefined) {
    return first;
  }
  await drop?.(first);
  return pass(new Set(first.plan.dueRoutes));
}

/** The run's plan from all its findings at hand, a page at a time (pagedPlanner), staging through `stage()`. */
export async function planInPages(input: Omit<PagedPlanInput, 'stage'> & { readonly stage: () => (upserts: readonly AlertState[]) => Promise<void> }): Promise<AlertPlan> {
  const { plan } = await inPasses(async (remindRoutes) => {
    const options = remindRoutes === undefined ? input.options : { ...input.options, remindRoutes };
    const planner = pagedPlanner({ ...input, options, stage: input.stage() });
    await planner.page(input.findings);
    return { plan: await planner.finish(input.coverage, options.gapAccounts ?? gapAccounts(input.findings)) };
  });
  return plan;
}
