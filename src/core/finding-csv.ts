import { csvLine, type CsvCell } from './csv.js';
import type { Finding } from './finding.js';

/** The token's columns, in findings.csv and tokens.csv alike. */
export const TOKEN_COLUMNS = ['clientId', 'accountName', 'tokenId', 'tokenName', 'role', 'owner', 'issuer', 'created', 'lastUsage', 'expDate'] as const;

/**
 * The columns of every findings CSV (`audit`/`report --format csv`, the evidence folder's findings.csv): what an
 * auditor needs to follow one finding to its token, its owner and what was to be done.
 */
export const FINDING_CSV_HEADER = [
  'id',
  ...TOKEN_COLUMNS,
  'rule',
  'severity',
  'state',
  'muted',
  'muteReason',
  'acknowledged',
  'remediation',
  'message',
] as const;

/** new / open / resolved as the worker knew it; a stateless `audit` knows only open. */
export type FindingState = 'new' | 'open' | 'resolved';

/** The issuer as one cell: name, Gcore user id, and whether the user was deleted (the email is the owner's column). */
export function issuerCell(issuer: Finding['issuer']): string | null {
  if (issuer === null) {
    return null;
  }
  return `${issuer.name} (user ${issuer.userId}${issuer.deleted ? ', deleted' : ''})`;
}

export function findingCsvCells(f: Finding, state: FindingState): CsvCell[] {
  return [
    f.id,
    f.clientId,
    f.accountName,
    f.tokenId,
    f.tokenName,
    f.role,
    f.owner,
    issuerCell(f.issuer),
    f.created,
    f.lastUsage,
    f.expDate,
    f.rule,
    f.severity,
    state,
    f.muted,
    f.muteReason,
    // Acknowledgements are not recorded yet: the column is kept so the layout does not change when they are.
    null,
    f.remediation,
    f.message,
  ];
}

/** The findings as CSV, header first; `stateOf` says each one's state (default: open). */
export function formatFindingsCsv(findings: Iterable<Finding>, stateOf: (f: Finding) => FindingState = () => 'open'): string {
  let text = csvLine(FINDING_CSV_HEADER);
  for (const f of findings) {
    text += csvLine(findingCsvCells(f, stateOf(f)));
  }
  return text;
}
