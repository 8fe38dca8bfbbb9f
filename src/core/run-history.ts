import { SEVERITIES, type Severity } from './severity.js';

/** A severity's one letter in a history entry (i, l, m, h, c): the entries stay well under a kilobyte. */
const LETTER: Record<Severity, string> = { info: 'i', low: 'l', medium: 'm', high: 'h', critical: 'c' };

/**
 * One run's (or one posting sweep's) compact summary, kept `history.days` in `<prefix>:alerts:history`
 * whatever happens to its full record (a day, `runs.keep`). Short keys on purpose: at any estate size it
 * stays under a kilobyte, so 400 days of hourly runs is a few MB.
 */
export interface HistoryEntry {
  /** Format version. */
  readonly v: 1;
  /** The run id (or the sweep's). */
  readonly id: string;
  /** s: schedule, m: manual, x: sentinel sweep. */
  readonly tr: 's' | 'm' | 'x';
  /** Started and finished, ms since epoch. */
  readonly s: number;
  readonly f: number;
  /** Accounts, tokens audited, findings, muted, failed (the report's summary). */
  readonly a: number;
  readonly t: number;
  readonly fi: number;
  readonly mu: number;
  readonly fa: number;
  /** The report's findings by severity, [info, low, medium, high, critical]. */
  readonly bs: readonly number[];
  /** New, resolved, open (countChanges). */
  readonly n: number;
  readonly r: number;
  readonly o: number;
  /**
   * Open unmuted findings by rule, each as its severities' letters and counts, least severe first:
   * {"stale": "m12", "never-expiring": "m3h1"} (text: the whole grid of rules by severities stays small).
   */
  readonly c: Readonly<Record<string, string>>;
  /** Findings resolved in this run: how many, and the median of their first seen → resolved, in seconds. */
  readonly ra: readonly [number, number];
  /** The oldest open unmuted finding's first seen, seconds since epoch, by severity letter (absent: none open). */
  readonly old: Readonly<Record<string, number>>;
  /** Slack messages the run queued at its commit (0: nothing to post). */
  readonly sl: number;
}

export interface HistoryInput {
  readonly runId: string;
  readonly trigger: 'schedule' | 'manual' | 'sentinel';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly summary: {
    readonly accounts: number;
    readonly tokensAudited: number;
    readonly findings: number;
    readonly bySeverity: Readonly<Record<Severity, number>>;
    readonly muted: number;
    readonly failed: number;
  };
  readonly counts: { readonly new: number; readonly resolved: number; readonly open: number };
  /** Open unmuted findings by "rule|severity" (openCountsOf). */
  readonly openCounts: ReadonlyMap<string, number>;
  /** Seconds from first seen to resolved, one per finding resolved in this run. */
  readonly resolvedAges: readonly number[];
  readonly oldestOpen: ReadonlyMap<Severity, number>;
  readonly messages: number;
}

const SEVERITY_OF = new Map(SEVERITIES.map((s) => [LETTER[s], s] as const));
const TRIGGER = { schedule: 's', manual: 'm', sentinel: 'x' } as const;

/** The median of some numbers (the lower middle one of an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    return 0;
  }
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

export function historyEntry(input: HistoryInput): HistoryEntry {
  const byRule = new Map<string, number[]>();
  for (const [key, n] of input.openCounts) {
    const [rule = '', severity = ''] = key.split('|');
    const rank = SEVERITIES.indexOf(severity as Severity);
    if (n > 0 && rank >= 0) {
      const counts = byRule.get(rule) ?? SEVERITIES.map(() => 0);
      counts[rank] = n;
      byRule.set(rule, counts);
    }
  }
  const c: Record<string, string> = {};
  for (const [rule, counts] of byRule) {
    c[rule] = SEVERITIES.map((severity, rank) => (counts[rank] ? `${LETTER[severity]}${counts[rank]}` : '')).join('');
  }
  const old: Record<string, number> = {};
  for (const [severity, at] of input.oldestOpen) {
    old[LETTER[severity]] = Math.floor(at / 1000);
  }
  return {
    v: 1,
    id: input.runId,
    tr: TRIGGER[input.trigger],
    s: Date.parse(input.startedAt),
    f: Date.parse(input.finishedAt),
    a: input.summary.accounts,
    t: input.summary.tokensAudited,
    fi: input.summary.findings,
    mu: input.summary.muted,
    fa: input.summary.failed,
    bs: SEVERITIES.map((s) => input.summary.bySeverity[s]),
    n: input.counts.new,
    r: input.counts.resolved,
    o: input.counts.open,
    c,
    ra: [input.resolvedAges.length, Math.round(median(input.resolvedAges))],
    old,
    sl: input.messages,
  };
}

/** Open unmuted findings of an entry by severity (summed over its rules). */
export function openBySeverity(entry: HistoryEntry): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const counts of Object.values(entry.c)) {
    for (const [, letter = '', n] of counts.matchAll(/([ilmhc])(\d+)/g)) {
      const severity = SEVERITY_OF.get(letter);
      if (severity !== undefined) {
        out[severity] += Number(n);
      }
    }
  }
  return out;
}

/** The first seen of the entry's oldest open finding of `severity`, ms since epoch; null when none was open. */
export function oldestOpenAt(entry: HistoryEntry, severity: Severity): number | null {
  const at = entry.old[LETTER[severity]];
  return at === undefined ? null : at * 1000;
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** An entry as read back from Redis; null for one that is not (a newer format, or damaged): it is skipped, not guessed. */
export function parseHistoryEntry(text: string): HistoryEntry | null {
  let e: unknown;
  try {
    e = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof e !== 'object' || e === null) {
    return null;
  }
  const x = e as Record<string, unknown>;
  const ok =
    x.v === 1 &&
    typeof x.id === 'string' &&
    (x.tr === 's' || x.tr === 'm' || x.tr === 'x') &&
    [x.s, x.f, x.a, x.t, x.fi, x.mu, x.fa, x.n, x.r, x.o, x.sl].every(isCount) &&
    Array.isArray(x.bs) &&
    x.bs.length === SEVERITIES.length &&
    x.bs.every(isCount) &&
    Array.isArray(x.ra) &&
    x.ra.length === 2 &&
    x.ra.every(isCount) &&
    typeof x.c === 'object' &&
    x.c !== null &&
    Object.values(x.c).every((m) => typeof m === 'string' && /^(?:[ilmhc]\d{1,15})+$/.test(m)) &&
    typeof x.old === 'object' &&
    x.old !== null &&
    Object.values(x.old).every(isCount);
  return ok ? (e as HistoryEntry) : null;
}
