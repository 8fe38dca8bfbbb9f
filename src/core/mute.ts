import type { Finding } from './finding.js';
import type { RuleId } from '../rules/rule-catalog.js';

export interface Mute {
  readonly rule: RuleId;
  readonly clientId: number;
  readonly tokenId: number;
  readonly reason: string;
  /** The first instant the mute no longer applies (a date-only `until` covers that whole day, UTC). */
  readonly until: Date;
  /** As written in the configuration, for messages. */
  readonly untilText: string;
}

export interface MuteOutcome {
  readonly findings: Finding[];
  /** One line per finding whose mute has lapsed: the report says so rather than silently un-muting. */
  readonly lapsed: string[];
}

/** Marks muted findings; a mute past its `until` no longer applies and is reported as lapsed. */
export function applyMutes(findings: readonly Finding[], mutes: readonly Mute[], now: Date): MuteOutcome {
  const lapsed: string[] = [];
  const out = findings.map((f) => {
    const mute = mutes.find((m) => m.rule === f.rule && m.clientId === f.clientId && m.tokenId === f.tokenId);
    if (!mute) {
      return f;
    }
    if (now.getTime() < mute.until.getTime()) {
      return { ...f, muted: true, muteReason: mute.reason };
    }
    const note = `the mute of ${f.rule} on token ${f.tokenId} (account ${f.clientId}) expired on ${mute.untilText}`;
    lapsed.push(note);
    return { ...f, message: `${f.message} (Mute expired on ${mute.untilText}: ${mute.reason}.)` };
  });
  return { findings: out, lapsed };
}
