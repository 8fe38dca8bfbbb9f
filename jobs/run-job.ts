import type { Logger } from 'pino';
import type { AccountResult } from '../src/core/report.js';
import type { Config } from '../src/config/config.js';
import type { Secrets } from '../src/config/secrets.js';
import type { GcoreApi } from '../src/gcore/gcore-api.js';
import { enumerateConfigured, type EnumeratedAccount } from '../src/run/enumerate-accounts.js';
import { inChunks } from '../src/core/in-chunks.js';
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
  readonly queues: Pick<AuditQueues, 'fanOutState' | 'openRunFlow' | 'addTokenJobs' | 'closeRunFlow'>;
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
export function completeListings(accounts: readonly EnumeratedAccount[]): ListedAccount[] {
  const out = new Map<number, ListedAccount>();
  for (const { configured, account: a } of accounts) {
    if (a.error === null && a.clientId !== null && configured.discover && !out.has(a.clientId)) {
      out.set(a.clientId, { clientId: a.clientId, apiKeyEnv: configured.apiKeyEnv, inventoryDeclared: configured.tokens.length > 0 });
    }
  }
  return [...out.values()];
}

/** The key and inventory an account's tokens are read with. */
type AccountKey = Pick<TokenRef, 'apiKeyEnv' | 'inventoryDeclared'>;

/**
 * The tokens a run plans to read, as it lists its accounts a batch at a time: each token once (two accounts
 * sharing a client id: the first configured wins), as numbers by account, and for each client id the key of
 * the first account whose listing gave a token (what an unlisted token of that account is confirmed with).
 */
export interface PlannedTokens {
  readonly has: (clientId: number, tokenId: number) => boolean;
  /** The refs not planned before, now planned. */
  readonly add: (refs: readonly TokenRef[]) => TokenRef[];
  readonly keys: ReadonlyMap<number, AccountKey>;
}

export function plannedTokens(refs: readonly TokenRef[] = []): PlannedTokens {
  const ids = tokenIdSet();
  const keys = new Map<number, AccountKey>();
  const add = (more: readonly TokenRef[]) =>
    more.filter((r) => {
      if (r.failure === null && !keys.has(r.clientId)) {
        keys.set(r.clientId, { apiKeyEnv: r.apiKeyEnv, inventoryDeclared: r.inventoryDeclared });
      }
      return ids.add(r.clientId, r.tokenId);
    });
  add(refs);
  return { has: ids.has, add, keys };
}

/**
 * Ids the sentinel counts as seen that a complete listing left out, as refs to read one by one: a list is
 * discovery, the get-token endpoint the truth, so an id leaves the seen set only when that endpoint says
 * the token is gone. At most `maxTokensPerAccount` an account a run; the rest wait for the next runs.
 */
export function unlistedSeenTokens(
  complete: readonly ListedAccount[],
  seenOf: ReadonlyMap<number, ReadonlySet<number>>,
  listed: Pick<PlannedTokens, 'has'>,
  config: Config,
): TokenRef[] {
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
  known: Iterable<KnownToken>,
  listed: Pick<PlannedTokens, 'has' | 'keys'>,
  config: Config,
  blind: ReadonlySet<number> = new Set(),
): TokenRef[] {
  const keyOf = new Map<number, AccountKey>();
  for (const a of config.accounts) {
    if (a.clientId !== null && !blind.has(a.clientId) && !keyOf.has(a.clientId)) {
      keyOf.set(a.clientId, { apiKeyEnv: a.apiKeyEnv, inventoryDeclared: a.tokens.length > 0 });
    }
  }
  for (const [clientId, key] of listed.keys) {
    if (!keyOf.has(clientId)) {
      keyOf.set(clientId, key);
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

/**
 * `run`: list the accounts a batch at a time (as many as Gcore's concurrency), each batch's people read and
 * stored and its token jobs added before the next batch is listed, so the job holds one batch of refs, not
 * the estate's; then the tokens with open findings or seen by the sentinel that no list showed; then the
 * accounts go into the report job's data and its gate opens.
 */
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
    const evaluatedAt = fanOut.state === 'adding' ? fanOut.evaluatedAt : startedAt;
    const head = { runKey, trigger: job.data.trigger, startedAt, evaluatedAt };
    await deps.queues.openRunFlow(head);
    const redact = deps.redact ?? ((text: string) => text);
    const progress = { afterChunk: (added: number, total: number) => Promise.resolve(log.debug({ added, total }, 'token jobs added')) };
    const planned = plannedTokens();
    let tokens = 0;
    const fanOutRefs = async (refs: readonly TokenRef[]) => {
      const fresh = planned.add(refs);
      tokens += fresh.length;
      if (fresh.length > 0) {
        await deps.queues.addTokenJobs(head, fresh, progress);
      }
    };

    const accounts: AccountResult[] = [];
    const complete = new Map<number, ListedAccount>();
    // Each client id whose people were read in this run, and whether they could not be (its coverage reason).
    const rosters = new Map<number, { readonly error: string | null }>();
    // Seen ids no list showed: few (tokens deleted since), held until the known tokens are planned (they come first).
    const unseen: TokenRef[] = [];
    for (const batch of inChunks([...deps.config.accounts], deps.config.gcore.concurrency)) {
      const enumerated = await Promise.all(batch.map((a) => enumerateConfigured(a, deps.config, deps)));
      // The people, once per run: each account's roster read here and stored before its token jobs are added.
      if (deps.issuers) {
        const read = await readRosters(enumerated, { ...deps, concurrency: deps.config.gcore.concurrency, skip: rosters });
        for (const r of read.values()) {
          rosters.set(r.clientId, { error: r.error });
        }
        await deps.issuers.save(runKey, rosterEntries(read));
      }
      // The accounts go into the report job's data, which Redis keeps.
      for (const account of withRosterErrors(enumerated.map((e) => e.account), rosters)) {
        const a = {
          ...account,
          ...(account.roster === undefined ? {} : { roster: redact(account.roster) }),
          ...(account.error === null ? {} : { error: redact(account.error) }),
        };
        accounts.push(a);
        if (a.error !== null) {
          log.warn({ account: a.label }, `account not fully enumerated: ${a.error}`);
        }
        if (a.roster !== undefined) {
          log.warn({ account: a.label }, `account's people not read: ${a.roster}`);
        }
      }
      await fanOutRefs(enumerated.flatMap((e) => e.refs));
      // Nothing of the sentinel is written here: the run's commit applies what it read (seen means committed).
      if (deps.seen) {
        const listings = completeListings(enumerated).filter((l) => !complete.has(l.clientId));
        const seen = new Map<number, ReadonlySet<number>>();
        for (const l of listings) {
          complete.set(l.clientId, l);
          const ids = await deps.seen(l.clientId);
          if (ids) {
            seen.set(l.clientId, ids);
          }
        }
        unseen.push(...unlistedSeenTokens(listings, seen, planned, deps.config));
      }
    }

    const blind = new Set(accounts.flatMap((a) => (a.blind === true && a.clientId !== null ? [a.clientId] : [])));
    const unlisted = unlistedKnownTokens(await deps.states.knownTokens(), planned, deps.config, blind);
    if (unlisted.length > 0) {
      log.warn({ tokens: unlisted.length }, 'tokens with open findings were not listed: reading each to confirm');
    }
    await fanOutRefs(unlisted);
    const before = tokens;
    await fanOutRefs(unseen);
    if (tokens > before) {
      log.info({ tokens: tokens - before }, 'tokens the sentinel has seen were not listed: reading each to learn whether they are gone');
    }
    await deps.queues.closeRunFlow(runKey, { accounts, ...(deps.seen ? { listed: [...complete.keys()] } : {}) });
    deps.onStarted?.();
    log.info({ trigger: job.data.trigger, accounts: accounts.length, tokens }, 'run fanned out');
    return { runKey, tokens };
  };
}
