import type { Finding } from '../core/finding.js';
import type { SharedStrings } from '../core/shared-strings.js';
import type { AlertState, PlanOptions } from '../alerts/plan-alerts.js';
import { routeNames } from '../alerts/route-findings.js';
import { parseState, type AlertStateStore } from '../store/alert-state-store.js';
import { stateFindings, type StateFindings } from './state-findings.js';
import type { PagedStates } from './plan-in-pages.js';

// Looks tried while commits keep coming in, before the states are read as one transaction (load).
const SURVEY_TRIES = 3;

/** What one look over every alert state tells, before the run is planned; no state is kept but the strays. */
export interface StateSurvey {
  /** The state version of the look: the commit must still find it. */
  readonly version: number;
  /** States of a route no longer configured (renamed, removed), by finding id: the page of their finding takes them. */
  readonly strays: ReadonlyMap<string, readonly AlertState[]>;
  /** The findings the states name: what the fold of the token results keeps results for (readRunResults). */
  readonly wanted: StateFindings;
  /** Whether a state names a finding `known` did not (the results were folded for other states: fold them again). */
  readonly unread: boolean;
}

/**
 * The findings states name, gathered a state at a time (only what stateFindings reads: the rest of each state is
 * dropped), and whether any is one `known` did not name.
 */
function stateNamer(known: Pick<StateFindings, 'names'> | undefined) {
  const named: Pick<AlertState, 'finding'>[] = [];
  let unread = false;
  return {
    add({ clientId, tokenId, id }: Pick<Finding, 'clientId' | 'tokenId' | 'id'>): void {
      // A state about a whole account (a coverage gap) names no token.
      if (clientId !== null && tokenId !== null) {
        named.push({ finding: { clientId, tokenId, id } as Finding });
        unread ||= known !== undefined && !known.names(clientId, tokenId, id);
      }
    },
    done: () => ({ wanted: stateFindings(named), unread }),
  };
}

/**
 * One look over every state, page by page: the states of routes no longer configured, and which findings the
 * states name. Null when a commit came in during the look.
 */
export async function surveyStates(
  store: Pick<PagedStates, 'scan'>,
  options: Pick<PlanOptions, 'routes'> & { readonly shared: SharedStrings; readonly known?: Pick<StateFindings, 'names'> },
): Promise<StateSurvey | null> {
  const configured = new Set(routeNames(options.routes));
  const strays = new Map<string, AlertState[]>();
  const namer = stateNamer(options.known);
  const version = await store.scan((key, json) => {
    const state = JSON.parse(json) as AlertState;
    if (!configured.has(state.route)) {
      strays.set(state.finding.id, [...(strays.get(state.finding.id) ?? []), parseState(key, json, options.shared)]);
    }
    namer.add(state.finding);
  });
  return version === null ? null : { version, strays, ...namer.done() };
}

/** The states as a run plans from them: looked over (planned in pages), or read whole when commits keep coming. */
export interface LookedStates extends StateSurvey {
  /** Every state, read as one version: the run is planned whole. Null: planned in pages (pagedPlanner). */
  readonly whole: ReadonlyMap<string, AlertState> | null;
}

type LookOptions = Parameters<typeof surveyStates>[1];

/**
 * The alert states a run plans from: a look over them, keeping none, and the run is planned a page of findings
 * at a time, the states read again page by page. When commits keep coming during the looks (another run or
 * sweep committing each time), they are read whole, as one version (one transaction at worst), and planned at once.
 */
export async function lookAtStates(store: Pick<AlertStateStore, 'scan' | 'load'>, options: LookOptions): Promise<LookedStates> {
  for (let attempt = 0; attempt < SURVEY_TRIES; attempt += 1) {
    const survey = await surveyStates(store, options);
    if (survey !== null) {
      return { ...survey, whole: null };
    }
  }
  const loaded = await store.load(options.shared);
  const namer = stateNamer(options.known);
  for (const { finding } of loaded.states.values()) {
    namer.add(finding);
  }
  return { version: loaded.version, strays: new Map(), ...namer.done(), whole: loaded.states };
}
