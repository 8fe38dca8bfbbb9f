import { AuditError } from '../core/errors.js';
import type { IssuerFacts } from '../core/issuer-facts.js';
import type { AccountResult } from '../core/report.js';
import type { Config } from '../config/config.js';
import type { EnumeratedAccount } from './enumerate-accounts.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { mapPool } from './map-pool.js';
import { readRoster, type Roster } from './read-roster.js';

/** True when the source can tell about people (the live API); a saved export cannot. */
export function readsPeople(api: GcoreApi): boolean {
  return api.listUsers !== undefined && api.getAccountDetails !== undefined;
}

/**
 * The rosters of these enumerated accounts, each client id once (its first configured key) and none in `skip`
 * (read before in this run: the run job reads its accounts a batch at a time). Blind accounts are skipped: their
 * coverage gap already says nothing of them was read.
 */
export async function readRosters(
  accounts: readonly EnumeratedAccount[],
  deps: { api: GcoreApi; secrets: Secrets; concurrency: number; skip?: Pick<ReadonlySet<number>, 'has'> },
): Promise<Map<number, Roster>> {
  const wanted = wantedRosters(accounts, deps.skip);
  if (!readsPeople(deps.api)) {
    return new Map();
  }
  const rosters = await mapPool([...wanted], deps.concurrency, ([clientId, apiKeyEnv]) => rosterOf(clientId, apiKeyEnv, deps));
  return new Map(rosters.map((r) => [r.clientId, r]));
}

/**
 * The same rosters as readRosters, each read started at once and its own promise (never rejected for the
 * account's problems): the one-shot audit reads them while it reads the tokens, and a token waits only for
 * its own account's roster. The requests queue in the client's limiter, which bounds them.
 */
export function startRosters(
  config: Config,
  accounts: readonly AccountResult[],
  deps: { api: GcoreApi; secrets: Secrets },
): Map<number, Promise<Roster>> {
  const wanted = wantedRosters(enumeratedAccounts(config, accounts));
  if (!readsPeople(deps.api)) {
    return new Map();
  }
  return new Map([...wanted].map(([clientId, apiKeyEnv]) => [clientId, rosterOf(clientId, apiKeyEnv, deps)]));
}

/** Each client id once, with its configured key's variable; blind accounts are skipped, and so is `skip`. */
function wantedRosters(accounts: readonly EnumeratedAccount[], skip: Pick<ReadonlySet<number>, 'has'> = new Set()): Map<number, string> {
  const wanted = new Map<number, string>();
  for (const { configured, account: a } of accounts) {
    if (a.clientId !== null && a.blind !== true && !wanted.has(a.clientId) && !skip.has(a.clientId)) {
      wanted.set(a.clientId, configured.apiKeyEnv);
    }
  }
  return wanted;
}

/** The configuration's accounts beside their enumerations (enumerateAccounts keeps the configuration's order). */
export function enumeratedAccounts(config: Config, accounts: readonly AccountResult[]): EnumeratedAccount[] {
  return accounts.flatMap((account, i) => {
    const configured = config.accounts[i];
    return configured === undefined ? [] : [{ configured, account }];
  });
}

async function rosterOf(clientId: number, apiKeyEnv: string, deps: { api: GcoreApi; secrets: Secrets }): Promise<Roster> {
  let apiKey: string;
  try {
    apiKey = deps.secrets.get(apiKeyEnv);
  } catch (error) {
    if (error instanceof AuditError) {
      return { clientId, error: `its users could not be read: ${error.message} (issuer checks skipped)`, keyUserId: null, facts: new Map() };
    }
    throw error;
  }
  return readRoster(clientId, apiKey, deps.api, apiKeyEnv);
}

/** The accounts with each unreadable roster's reason set (`roster`): a coverage reason of its own. */
export function withRosterErrors(accounts: readonly AccountResult[], rosters: ReadonlyMap<number, Pick<Roster, 'error'>>): AccountResult[] {
  return accounts.map((a) => {
    const error = a.clientId === null ? null : (rosters.get(a.clientId)?.error ?? null);
    return error === null ? a : { ...a, roster: error };
  });
}

/** `clientId:userId`: the field of an issuer's facts (never an email). */
export const issuerField = (clientId: number, userId: number): string => `${clientId}:${userId}`;

/** Every roster's facts by issuerField, for the worker's per-run hash. */
export function factsByField(rosters: ReadonlyMap<number, Roster>): Map<string, IssuerFacts> {
  const out = new Map<string, IssuerFacts>();
  for (const roster of rosters.values()) {
    for (const [userId, facts] of roster.facts) {
      out.set(issuerField(roster.clientId, userId), facts);
    }
  }
  return out;
}
