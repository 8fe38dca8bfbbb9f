import type { Finding } from './finding.js';

/**
 * One copy of each text among many parsed objects. JSON.parse makes a new string for every value, so the
 * 30,000 open findings a large run's report job holds (its alert states, its token results) each carried their
 * own copy of texts most of them share: the rule's remediation and message, the role, the account, the issuer,
 * the run's timestamps. Measured on the bench's findings: 733 bytes a parsed state, 263 with its texts shared.
 * Meant for one job's reading, then dropped with what it read: it holds each distinct text once.
 */
export interface SharedStrings {
  /** The one copy of `text` (the first seen); null stays null. */
  readonly text: <T extends string | null | undefined>(text: T) => T;
  /**
   * The finding with its texts shared; its own id and token name are left as they are (no one shares them), and
   * so are the rare ones (a failing route's name, a revocation's people). A finding equal to one given before,
   * field for field and in the same key order, is that earlier object: a report job reads each open finding twice,
   * in its alert state and in its token's result, and on a day when nothing changed the two are alike.
   */
  readonly finding: (f: Finding) => Finding;
  /** Distinct texts held. */
  readonly size: () => number;
  /**
   * Forgets the findings given so far, and their token's own texts (its created, last-used and expiry instants),
   * which no other token shares: for a reader a page at a time, whose findings of one page are not met again;
   * else the pool would hold every finding of the run, and two or three texts for each. The texts findings share (rule,
   * account, role, issuer, message...) stay.
   */
  readonly forget: () => void;
}

export function sharedStrings(): SharedStrings {
  const pool = new Map<string, string>();
  // A token's instants, to the second or finer: shared by its own findings (and a state's copy of one), held
  // until the next forget. Kept with the run's texts, a quiet run at 100,000 tokens held about 70,000 of them to
  // its end.
  const tokens = new Map<string, string>();
  const inPool = (into: Map<string, string>) => <T extends string | null | undefined>(value: T): T => {
    if (typeof value !== 'string') {
      return value;
    }
    const held = into.get(value) ?? value;
    into.set(value, held);
    return held as T;
  };
  const text = inPool(pool);
  const instant = inPool(tokens);
  const seen = new Map<string, Finding>();
  const finding = (f: Finding): Finding => {
    const copy = texts(f);
    const earlier = seen.get(copy.id);
    if (earlier !== undefined && alike(earlier, copy)) {
      return earlier;
    }
    seen.set(copy.id, copy);
    return copy;
  };
  const texts = (f: Finding): Finding => ({
    ...f,
    rule: text(f.rule),
    severity: text(f.severity),
    accountName: text(f.accountName),
    role: text(f.role),
    owner: text(f.owner),
    issuer: f.issuer === null ? null : { ...f.issuer, name: text(f.issuer.name), email: text(f.issuer.email) },
    created: instant(f.created),
    lastUsage: instant(f.lastUsage),
    expDate: instant(f.expDate),
    message: text(f.message),
    remediation: text(f.remediation),
    muteReason: text(f.muteReason),
  });
  return {
    text,
    finding,
    size: () => pool.size + tokens.size,
    forget: () => {
      seen.clear();
      tokens.clear();
    },
  };
}

/**
 * The same keys in the same order (so the same JSON) and the same values: texts already shared compare as
 * one string, and the nested objects (issuer, revoked) field by field.
 */
function alike(a: object, b: object): boolean {
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length || keys.some((k, i) => k !== other[i])) {
    return false;
  }
  return keys.every((k) => {
    const x: unknown = (a as Record<string, unknown>)[k];
    const y: unknown = (b as Record<string, unknown>)[k];
    return x === y || (isObject(x) && isObject(y) && alike(x, y));
  });
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;
