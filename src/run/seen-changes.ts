import type { TokenResult } from '../core/report.js';

/**
 * What a run's commit does to the sentinel's seen sets: for each account it listed completely, the ids it
 * read add to the set, and those Gcore answered 404 for leave it. A token the run could not read is neither
 * (the sentinel tries a new one again; a known one stays known), so after the commit the set holds what
 * exists, as the get-token endpoint says, and never loses a token that a listing alone left out.
 */
export function seenChanges(listed: readonly number[], results: readonly TokenResult[] = []): SeenChanges {
  const changes: SeenChanges = new Map(listed.map((clientId) => [clientId, { present: [], gone: [] }]));
  addSeen(changes, results);
  return changes;
}

/** The changes by account, as seenChanges makes them and addSeen adds to them. */
export type SeenChanges = Map<number, { present: number[]; gone: number[] }>;

/** Adds what more results say to `changes` (a page of a run's results): an account not listed stays out. */
export function addSeen(changes: SeenChanges, results: readonly TokenResult[]): void {
  for (const r of results) {
    const change = changes.get(r.clientId);
    if (r.status === 'audited') {
      change?.present.push(r.tokenId);
    } else if (r.status === 'gone') {
      change?.gone.push(r.tokenId);
    }
  }
}
