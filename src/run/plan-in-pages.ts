import type { Finding } from '../core/finding.js';
import { inChunks } from '../core/in-chunks.js';
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

export interface PagedPlanInput {
  readonly store: Pick<PagedStates, 'scan' | 'getMany'>;
  /** States of routes no longer configured, by finding id (StateSurvey.strays). */
  readonly survey: { readonly strays: ReadonlyMap<string, readonly AlertState[]> };
  /** Every finding of the run (its report's). */
  readonly findings: readonly Finding[];
  readonly coverage: RunCoverage;
  readonly options: PlanOptions;
  /** Where each page's states to write go (the commit's staging): they are not kept. */
  readonly stage: (upserts: readonly AlertState[]) => Promise<void>;
  readonly shared: SharedStrings;
  readonly pageSize?: number;
}

/**
 * The run's alert plan, a page of findings at a time: each page is planned with the states of its findings'
 * ids (every configured route's, and the strays'), its states to write staged and dropped; then the states of
 * findings the run did not find (resolved, held, moved on) are planned together. The parts add up to the plan of
 * the whole run (addPlans) when no reminder may fall due, which the caller checked (StateSurvey.due): memory holds
 * a page of states and what changed, not every state. The plan's `upserts` are empty: they were staged.
 */
export async function planInPages(input: PagedPlanInput): Promise<AlertPlan> {
  const { store, shared } = input;
  const routes = routeNames(input.options.routes);
  const options: PlanOptions = { ...input.options, gapAccounts: input.options.gapAccounts ?? gapAccounts(input.findings) };
  const found = new Set<string>();
  let plan: AlertPlan | undefined;
  const add = async (part: AlertPlan): Promise<AlertPlan> => {
    await input.stage(part.upserts);
    const kept = { ...part, upserts: [] };
    plan = plan === undefined ? kept : addPlans(plan, kept);
    return plan;
  };
  for (const page of inChunks(input.findings, input.pageSize ?? PLAN_PAGE_SIZE)) {
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
    await add(planAlerts(previous, page, input.coverage, options));
  }
  // Every state of a finding this run did not find: the version check of the commit covers a write meanwhile.
  const left = new Map<string, AlertState>();
  await store.scan((key, json) => {
    if (!found.has(findingIdOf(key))) {
      left.set(key, parseState(key, json, shared));
    }
  });
  return add(planAlerts(left, [], input.coverage, options));
}
