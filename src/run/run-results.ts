import type { TokenResult } from '../core/report.js';
import type { ParentJob } from '../store/job-catalogue.js';
import { addSeen, seenChanges, type SeenChanges } from './seen-changes.js';
import { newIssuerTally, tallyIssuer, type IssuerTally } from './issuer-warnings.js';
import { sharedStrings, type SharedStrings } from '../core/shared-strings.js';
import { tokenIdSet } from '../core/token-id-set.js';
import type { Finding } from '../core/finding.js';
import type { StateFindings } from './state-findings.js';

/**
 * Results read per page when the caller names none: a page is parsed, folded and dropped before the next. Small
 * enough that a page and what is parsed of it fit the worker's young generation (1 MB semi-spaces, main.ts) and
 * die there; pages of 500 outlived their scavenge, and the old generation grew with the tokens read.
 */
export const RESULT_PAGE_SIZE = 100;

/** What a run's report, plan and commit need of its token results; it grows with the findings, not the tokens. */
export interface RunResults {
  /**
   * The results kept whole: every failure and refusal, and a read token issued by the audit key's own user (the
   * report lists those): what the report and the plan read of them (ids, status, findings, snapshot, refusal, key
   * user). Not their inventory row nor the issuer rules not evaluated: the evidence folder reads the results
   * again for the one, the fold counts the other.
   */
  readonly kept: TokenResult[];
  /** Per account, the other tokens read (audited or gone): counted, not kept (buildReport's `counted`). */
  readonly counted: Map<number, number>;
  /**
   * The findings of the tokens `counted` counts, their texts shared (buildReport's `findings`); empty when the
   * reader took them page by page (readRunResults' `onFindings`).
   */
  readonly findings: Finding[];
  /**
   * Status and snapshot of each counted token whose result resolves a finding an alert state names (`wanted`):
   * what the finding's resolution reason is read from. A token whose findings are those its states name has none.
   */
  readonly read: Pick<TokenResult, 'clientId' | 'tokenId' | 'status' | 'snapshot'>[];
  /** The alert states' findings the fold kept results for. */
  readonly wanted: Wanted;
  /** The sentinel's seen-set changes (seenChanges), folded page by page; undefined when the run listed nothing. */
  readonly seen: SeenChanges | undefined;
  /** Results folded (each token once, however often a page repeated it). */
  readonly count: number;
  /** The issuer rules not evaluated, counted over every result (the run's warnings). */
  readonly issuers: IssuerTally;
}

type Wanted = Pick<StateFindings, 'names' | 'namesOtherThan'>;

/**
 * A fold over a run's token results, one page at a time. A token is counted once even when a page repeats it
 * (HSCAN may return an entry twice): the ids seen are kept as numbers, per account.
 */
export function foldResults(wanted: Wanted, listed: readonly number[] | undefined, shared: SharedStrings = sharedStrings()) {
  const out: RunResults & { count: number } = {
    kept: [],
    counted: new Map(),
    findings: [],
    read: [],
    wanted,
    seen: listed === undefined ? undefined : seenChanges(listed),
    count: 0,
    issuers: newIssuerTally(),
  };
  const done = tokenIdSet();
  // A kept result's findings hold texts most findings share (shared-strings.ts): one copy each for the run, and
  // one object for a finding alike in the alert states the job read through the same `shared`.
  const fresh = (r: TokenResult) => done.add(r.clientId, r.tokenId);
  return {
    /** Folds a page in; the findings of its counted tokens, their texts shared (also kept in `findings` unless `hold` is false). */
    add(page: readonly TokenResult[], hold = true): Finding[] {
      const found: Finding[] = [];
      const novel = page.filter(fresh);
      out.count += novel.length;
      if (out.seen !== undefined) {
        addSeen(out.seen, novel);
      }
      for (const r of novel) {
        tallyIssuer(out.issuers, r);
        // A refusal is a failed result too (TokenResult.refused): kept with the failures.
        if (r.status === 'failed' || r.keyUser === true) {
          out.kept.push(kept(r, shared));
          continue;
        }
        // A read token is a count and its findings: on a day when nothing changed, no result of it is held.
        out.counted.set(r.clientId, (out.counted.get(r.clientId) ?? 0) + 1);
        for (const f of r.findings) {
          found.push(shared.finding(f));
        }
        if (wanted.namesOtherThan(r.clientId, r.tokenId, r.findings)) {
          out.read.push({ clientId: r.clientId, tokenId: r.tokenId, status: r.status, snapshot: r.snapshot });
        }
      }
      if (hold) {
        out.findings.push(...found);
      }
      return found;
    },
    result(): RunResults {
      return out;
    },
  };
}

/** What the report and the plan read of a kept result (RunResults.kept), its findings' texts shared. */
function kept(r: TokenResult, shared: SharedStrings): TokenResult {
  return {
    clientId: r.clientId,
    tokenId: r.tokenId,
    status: r.status,
    findings: r.findings.map(shared.finding),
    ...(r.snapshot === undefined ? {} : { snapshot: r.snapshot }),
    ...(r.refused === undefined ? {} : { refused: r.refused }),
    ...(r.keyUser === undefined ? {} : { keyUser: r.keyUser }),
  };
}

/** The run's token results, a page of at most about `count` at a time (BullMQ's paged dependency read). */
export async function* resultPages(job: Pick<ParentJob, 'getDependencies'>, count: number): AsyncGenerator<TokenResult[]> {
  let cursor = 0;
  do {
    const page = await job.getDependencies({ processed: { cursor, count } });
    yield Object.values(page.processed ?? {}) as TokenResult[];
    cursor = Number(page.nextProcessedCursor ?? 0);
  } while (cursor !== 0);
}

/**
 * Every result of the run once, `extra` first, page by page: for a reader after the commit (the evidence
 * folder's tokens.csv) that needs the passing tokens too, without holding them all.
 */
export async function* everyResult(job: Pick<ParentJob, 'getDependencies'>, pageSize: number, extra: readonly TokenResult[]): AsyncGenerator<TokenResult> {
  const done = tokenIdSet();
  for await (const page of prepend(extra, resultPages(job, pageSize))) {
    for (const r of page) {
      if (done.add(r.clientId, r.tokenId)) {
        yield r;
      }
    }
  }
}

async function* prepend<T>(first: T, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}

/** Streams the run's results through foldResults; `extra` (the jobs that failed for good) are folded first. */
export async function readRunResults(
  job: Pick<ParentJob, 'getDependencies'>,
  options: {
    wanted: Wanted;
    listed: readonly number[] | undefined;
    pageSize: number;
    extra: readonly TokenResult[];
    shared?: SharedStrings;
    /** Takes each page's findings of counted tokens as it is folded (then RunResults.findings stays empty). */
    onFindings?: (findings: Finding[]) => Promise<void>;
  },
): Promise<RunResults> {
  const fold = foldResults(options.wanted, options.listed, options.shared);
  const take = options.onFindings;
  const add = async (page: readonly TokenResult[]) => {
    const found = fold.add(page, take === undefined);
    if (take !== undefined && found.length > 0) {
      await take(found);
    }
  };
  await add(options.extra);
  for await (const page of resultPages(job, options.pageSize)) {
    await add(page);
  }
  return fold.result();
}
