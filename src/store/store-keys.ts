import { DEFAULT_ROUTE } from '../alerts/route-findings.js';

export { DEFAULT_ROUTE };

/**
 * Every Redis key of the worker's own state, beside the queues under the same prefix (so one hash slot
 * under Redis Cluster when the prefix is a `{hash tag}`). Run keys never hold a colon (see runKeyOf).
 */
export function storeKeys(prefix: string) {
  const k = (name: string) => `${prefix}:alerts:${name}`;
  // The default route's keys keep their original names.
  const perRoute = (name: string, route: string) => (route === DEFAULT_ROUTE ? k(name) : k(`${name}:${route}`));
  return {
    findings: k('findings'),
    version: k('version'),
    counts: k('open-counts'),
    lastSuccess: k('last-success'),
    coverage: k('coverage'),
    mutes: k('mutes'),
    muteEvents: k('mute-events'),
    doneChannel: k('run-done'),
    run: (run: string) => k(`run:${run}`),
    /** Committed runs by start time (a sorted set): what `runs` lists. */
    runs: k('runs'),
    runPending: (run: string) => k(`run-pending:${run}`),
    /** Each run's and posting sweep's compact summary (JSON) by start time, kept `history.days` (a sorted set). */
    history: k('history'),
    /** The first seen of the oldest open unmuted finding, by severity (a hash: severity -> ms since epoch). */
    oldestOpen: k('oldest-open'),
    /** What Slack finally got of each run in the history: run -> delivered | failed (a hash, pruned with the history). */
    historySlack: k('history-slack'),
    stage: (run: string, attempt: string) => k(`stage:${run}:${attempt}`),
    stageRun: (run: string, attempt: string) => k(`stage-run:${run}:${attempt}`),
    outbox: (route: string) => perRoute('outbox', route),
    outboxLock: (route: string) => perRoute('outbox-lock', route),
    /** Messages Slack refused for good, per route (a list of JSON entries, oldest first). */
    deadLetters: (route: string) => perRoute('dead-letters', route),
    /** The routes that hold dead letters (a set), so listing needs no SCAN. */
    deadLetterRoutes: k('dead-letter-routes'),
    /** Each route whose delivery is failing: route -> { attempts, since, reason } (a hash of JSON). */
    routeFailures: k('route-failures'),
    digest: (run: string, route: string) => (route === DEFAULT_ROUTE ? k(`digest:${run}`) : k(`digest:${run}:${route}`)),
    /** The token ids the sentinel counts as seen in one account (a set; `0` marks the account recorded). */
    seen: (clientId: number) => `${prefix}:sentinel:seen:${clientId}`,
    /** Keys Gcore refused during a run (a hash of `apiKeyEnv:clientId` to the sentence): every replica stops asking. */
    refused: (run: string) => k(`refused:${run}`),
    /** Issuer facts of a run (a hash of `clientId:userId` to IssuerFacts JSON; never an email). */
    issuers: (run: string) => k(`issuers:${run}`),
    /** The run whose issuer facts the sentinel reuses. */
    issuersLatest: k('issuers-latest'),
    /** Revocations (`revoke`): id -> record JSON (a hash); how each ended, counted; finished ones by time. */
    revocations: `${prefix}:revoke:requests`,
    revocationCounts: `${prefix}:revoke:counts`,
    revocationsFinished: `${prefix}:revoke:finished`,
    /** Lapsed revocations the digest has not told yet (a set of ids): a run's commit removes those it told. */
    revocationLapses: `${prefix}:revoke:lapses-untold`,
    /** Findings acknowledged from Slack: finding id -> who and until when (a hash of JSON; lapsed ones pruned on write). */
    acks: k('acks'),
    /** One Slack action applied (SET NX with an expiry): its key is a digest of the payload's ids, never their text. */
    actionDone: (digest: string) => `${prefix}:actions:done:${digest}`,
    /** A message with buttons as last seen or rewritten (JSON, expiring): a modal's submission rewrites it from here. */
    actionMessage: (digest: string) => `${prefix}:actions:message:${digest}`,
  };
}

export type StoreKeys = ReturnType<typeof storeKeys>;
