/**
 * One line per lapsed revocation request, for the digest's notes (told once: a run's commit removes the ids
 * it told). The token's name comes from the request's fingerprint: Gcore's text, escaped by the layout.
 */
export function revocationLapseNotes(
  lapsed: readonly { readonly id: string; readonly tokenId: number; readonly fingerprint: { readonly name: string } }[],
  approvalHours: number,
): string[] {
  return lapsed.map(
    (r) => `⌛ Revocation request ${r.id} for token ${r.fingerprint.name} (token ${r.tokenId}) lapsed: not approved within ${approvalHours} h`,
  );
}
