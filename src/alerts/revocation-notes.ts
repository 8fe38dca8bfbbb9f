/** What a digest note needs of a revocation that ended without a deletion. */
export interface RevocationEnding {
  readonly id: string;
  readonly tokenId: number;
  readonly fingerprint: { readonly name: string };
  readonly status: string;
  readonly kind?: string;
  /** What happened, written by whoever closed it (a quarantine's deadline check: what a live run would have done). */
  readonly outcome?: string | null;
}

/**
 * One line per revocation that ended without a deletion and is not told yet, for the digest's notes (told
 * once: a run's commit removes the ids it told): a request that lapsed, and a quarantine closed at or before
 * its deadline (kept, cancelled, muted, dry run, no deleting key). A dry run's line is how a team reads what going live
 * would do. The token's name comes from the record's fingerprint, Gcore's text, escaped by the layout.
 */
export function revocationEndingNotes(endings: readonly RevocationEnding[], approvalHours: number): string[] {
  return endings.map((r) =>
    r.kind === 'quarantine'
      ? `🛡️ Quarantine ${r.id} of token ${r.fingerprint.name} (token ${r.tokenId}) ended ${r.status}: ${r.outcome ?? 'nothing was deleted'}`
      : `⌛ Revocation request ${r.id} for token ${r.fingerprint.name} (token ${r.tokenId}) lapsed: not approved within ${approvalHours} h`,
  );
}
