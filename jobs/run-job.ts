import type { Logger } from 'pino';
import type { AccountResult } from '../src/core/report.js';
import type { Config } from '../src/config/config.js';
import type { Secrets } from '../src/config/secrets.js';
import type { GcoreApi } from '../src/gcore/gcore-api.js';
import { enumerateAccounts } from '../src/run/enumerate-accounts.js';
import { tokenIdSet } from '../src/core/token-id-set.js';
import type { TokenRef } from '../src/core/token-ref.js';
import type { AuditQueues } from '../src/store/audit-queues.js';
import { runKeyOf, type QueuedJob } from '../src/store/job-catalogue.js';
import type { AlertStateStore, KnownToken } from '../src/store/alert-state-store.js';
import type { IssuerFactsStore } from '../src/store/issuer-facts-store.js';
import { readRosters, withRosterErrors } from '../src/run/read-rosters.js';
import { rosterEntries } from '../src/run/stored-issuers.js';

export interface RunJobDeps {
  readonly config: Config;
  readonly api: GcoreApi;
  readonly secrets: Secrets;
  readonly queues: Pick<AuditQueues, 'fanOutState' | 'addRunFlow'>;
  readonly states: Pick<AlertStateStore, 'knownTokens'>;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Text that came from outside (a Gcore error in an account's enumeration) made safe to log and store. */
  readonly redact?: (text: string) => string;
  readonly onStarted?: () => void;
  /**
   * The sentinel's seen ids of an account (null: never recorded). Given, the run keeps the sentinel's state:
   * its commit records what it read in each account it listed completely (never before: see report-job),
   * and the ids such a listing left out are read here to learn whether they are gone.
   */
  readonly seen?: (clientId: number) => Promise<ReadonlySet<number> | null>;
  /** Where the run's issuer facts go for its token jobs; absent: people are not read. */
  readonly issuers?: Pick<IssuerFactsStore, 'save'>;
}

/** An account whose enumeration was a complete listing, and the key to read its tokens with. */
export interface ListedAccount {
  readonly clientId: number;
  readonly apiKeyEnv: string;
  readonly inventoryDeclared: boolean;
}

/** The accounts whose enumeration was a complete listing: `discover` on, and no error (each client id once). */
export function completeListings(accounts: readonly AccountResult[], config: Config): ListedAccount[] {
  const out = new Map<number, ListedAccount>();
  accounts.forEach((a, i) => {
    const configured = config.accounts[i]; // enumerateAccounts keeps the configuration's order
    if (a.error === null && a.clientId !== null && configured?.discover === true && !out.has(a.clientId)) {
      out.set(a.clientId, { clientId: a.clientId, apiKeyEnv: configured.apiKeyEnv, inventoryDeclared: configured.tokens.length > 0 });
    }
  });
  return [...out.values()];
}

/**
 * Ids the sentinel counts as seen that a complete listing left out, as refs to read one by one: a list is
 * discovery, the get-token endpoint the truth, so an id leaves the seen set only when that endpoint says
 * the token is gone. At most `maxTokensPerAccount` an account a run; the rest wait for the next runs.
 */
export function unlistedSeenTokens(
  complete: readonly ListedAccount[],
  seenOf: ReadonlyMap<number, ReadonlySet<number>>,
  refs: readonly TokenRef[],
  config: Config,
): TokenRef[] {
  const listed = tokenIdSet(refs);
  const out: TokenRef[] = [];
  for (const { clientId, apiKeyEnv, inventoryDeclared } of complete) {
    const missed = [...(seenOf.get(clientId) ?? [])].filter((id) => !listed.has(clientId, id));
    for (const tokenId of missed.slice(0, config.gcore.maxTokensPerAccount)) {
      out.push({ clientId, tokenId, apiKeyEnv, owner: null, listedName: null, inInventory: false, inventoryDeclared, failure: null });
    }
  }
  return out;
}

/**
 * Tokens with an open finding that the lists left out, as refs to read one by one: a list is discovery,
 * the get-token endpoint is the audit, so a token is resolved as gone only when that endpoint says so.
 * A token is confirmed with its account's key: the account must be configured (by client id, or seen in
 * this run's refs) and its key readable. An account this run found blind (key missing or refused) is not
 * asked at all: its coverage gap is the one alert and its tokens keep their findings.
 */
export function unlistedKnownTokens(
  known: readonly KnownToken[],
  refs: readonly TokenRef[],
  config: Config,
  blind: ReadonlySet<number> = new Set(),
): TokenRef[] {
  const listed = tokenIdSet(refs);
  const keyOf = new Map<number, { apiKeyEnv: string; inventoryDeclared: boolean }>();
  for (const a of config.accounts) {
    if (a.clientId !== null && !blind.has(a.clientId) && !keyOf.has(a.clientId)) {
      keyOf.set(a.clientId, { apiKeyEnv: a.apiKeyEnv, inventoryDeclared: a.tokens.length > 0 });
    }
  }
  for (const r of refs) {
    if (r.failure === null && !keyOf.has(r.clientId)) {
      keyOf.set(r.clientId, { apiKeyEnv: r.apiKeyEnv, inventoryDeclared: r.inventoryDeclared });
    }
  }
  const out: TokenRef[] = [];
  for (const t of known) {
    const account = keyOf.get(t.clientId);
    if (account && !listed.has(t.clientId, t.tokenId)) {
      out.push({
        clientId: t.clientId,
        tokenId: t.tokenId,
        apiKeyEnv: account.apiKeyEnv,
        owner: null,
        listedName: t.name,
        inInventory: false,
        inventoryDeclared: account.inventoryDeclared,
        failure: null,
      });
    }
  }
  return out;
}

/** `run`: enumerate every account, then fan out one token job per token under one report job. */
export function makeRunHandler(deps: RunJobDeps) {
  return async (job: QueuedJob<'run'>) => {
    const runKey = runKeyOf(job.id ?? 'unknown');
    const log = deps.logger.child({ job: 'run', runKey });
    // A retried run finds its report job there either with every token job added (done) or with its gate
    // still holding the report back (an earlier attempt stopped between chunks): it then enumerates again and
    // adds what is missing, and the run keeps the times it started with.
    const fanOut = await deps.queues.fanOutState(runKey);
    if (fanOut.state === 'done') {
      log.info('run already fanned out');
      return { runKey, tokens: null };
    }
    if (fanOut.state === 'adding') {
      log.warn('an earlier attempt stopped fanning out: adding the token jobs it left out');
    }
    const startedAt = fanOut.state === 'adding' ? fanOut.startedAt : deps.clock();
    const enumerated = await enumerateAccounts(deps.config, deps);
    const redact = deps.redact ?? ((text: string) => text);
    // The people, once per run: each account's roster read here, its facts kept for the token jobs.
    const rosters = deps.issuers ? await readRosters(deps.config, enumerated.accounts, deps) : new Map();
    if (deps.issuers) {
      await deps.issuers.save(runKey, rosterEntries(rosters));
    }
    // The accounts go into the report job's data, which Redis keeps.
    const accounts = withRosterErrors(enumerated.accounts, rosters).map((a) => {
      const roster = a.roster === undefined ? {} : { roster: redact(a.roster) };
      return a.error === null ? { ...a, ...roster } : { ...a, ...roster, error: redact(a.error) };
    });
    const listed = enumerated.refs;
    for (const a of accounts.filter((x) => x.error !== null)) {
      log.warn({ account: a.label }, `account not fully enumerated: ${a.error}`);
    }
    for (const a of accounts.filter((x) => x.roster !== undefined)) {
      log.warn({ account: a.label }, `account's people not read: ${a.roster}`);
    }
    const blind = new Set(accounts.flatMap((a) => (a.blind === true && a.clientId !== null ? [a.clientId] : [])));
    const unlisted = unlistedKnownTokens(await deps.states.knownTokens(), listed, deps.config, blind);
    if (unlisted.length > 0) {
      log.warn({ tokens: unlisted.length }, 'tokens with open findings were not listed: reading each to confirm');
    }
    const refs = listed.concat(unlisted);
    // Nothing of the sentinel is written here: the run's commit applies what it read (seen means committed).
    const seenOf = deps.seen;
    const complete = seenOf ? completeListings(accounts, deps.config) : undefined;
    if (seenOf && complete) {
      const seen = new Map<number, ReadonlySet<number>>();
      for (const { clientId } of complete) {
        const ids = await seenOf(clientId);
        if (ids) {
          seen.set(clientId, ids);
        }
      }
      const planned = tokenIdSet(refs);
      const unseen = unlistedSeenTokens(complete, seen, listed, deps.config).filter((r) => !planned.has(r.clientId, r.tokenId));
      if (unseen.length > 0) {
        log.info({ tokens: unseen.length }, 'tokens the sentinel has seen were not listed: reading each to learn whether they are gone');
      }
      refs.push(...unseen);
    }
    const evaluatedAt = fanOut.state === 'adding' ? fanOut.evaluatedAt : startedAt;
    await deps.queues.addRunFlow(
      { runKey, trigger: job.data.trigger, startedAt, evaluatedAt, accounts, refs, listed: complete?.map((a) => a.clientId) },
      { afterChunk: (added, total) => Promise.resolve(log.debug({ added, total }, 'token jobs added')) },
    );
    deps.onStarted?.();
    log.info({ trigger: job.data.trigger, accounts: accounts.length, tokens: refs.length }, 'run fanned out');
    return { runKey, tokens: refs.length };
  };
}
