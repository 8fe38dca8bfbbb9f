import type { Finding } from '../core/finding.js';
import type { ResolveReason } from './resolve-reason.js';

/** What is kept in Redis per open finding and route. Resolved findings are deleted: if one comes back it is new again. */
export interface AlertState {
  /** `<route>/<finding id>`: each route keeps its own lifecycle. */
  readonly key: string;
  readonly route: string;
  readonly finding: Finding;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** null: never posted (or muted since, which resets it). */
  readonly lastNotified: string | null;
}

export interface ResolvedFinding {
  readonly finding: Finding;
  readonly reason: ResolveReason;
}
