import { DirectoryError } from './errors.js';
import { parseDateOrInstant } from './parse-iso-date.js';
import type { IssuerFacts } from './issuer-facts.js';

export type DirectoryFormat = 'csv' | 'json';
export type DirectoryVerdict = IssuerFacts['directory'];

/** The company's word on who still works there. Holds emails: never stored in Redis, logged or put in an error. */
export interface Directory {
  verdict(email: string): DirectoryVerdict;
}

const UNKNOWN: DirectoryVerdict = Object.freeze({ status: 'unknown' });
const ACTIVE: DirectoryVerdict = Object.freeze({ status: 'active' });
const ABSENT: DirectoryVerdict = Object.freeze({ status: 'absent' });

/**
 * Emails compare case-insensitively and nothing more: plus-addressing (`ann+ci@`) and aliases are the
 * directory's to list, since only the company knows which addresses are one person.
 */
export function normaliseEmail(email: string): string | null {
  const e = email.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(e) ? e : null;
}

/** One CSV line's cells: comma separated, a cell may be "quoted" with "" for a quote. */
function cells(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= line.length) {
          return null; // unterminated quote
        }
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        cell += line[i];
        i += 1;
      }
      if (i < line.length && line[i] !== ',') {
        return null;
      }
    } else {
      const comma = line.indexOf(',', i);
      cell = comma === -1 ? line.slice(i) : line.slice(i, comma);
      i = comma === -1 ? line.length : comma;
    }
    out.push(cell.trim());
    if (i >= line.length) {
      return out;
    }
    i += 1; // the comma
  }
}

function fromEntries(entries: ReadonlyMap<string, DirectoryVerdict>, complete: boolean): Directory {
  return {
    verdict(email) {
      const e = normaliseEmail(email);
      if (e === null) {
        return UNKNOWN;
      }
      return entries.get(e) ?? (complete ? ABSENT : UNKNOWN);
    },
  };
}

/**
 * `email,status[,left_at]` with status `active` or `left` and left_at a date or a timestamp with a zone; an
 * optional header line naming those columns; blank lines and lines starting with # are skipped. A person not
 * listed is 'absent' only when `complete` (the file lists every active person), else 'unknown'.
 */
export function parseDirectoryCsv(text: string, complete: boolean): Directory {
  const entries = new Map<string, DirectoryVerdict>();
  const problems: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const n = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      return;
    }
    const row = cells(line);
    if (row === null) {
      problems.push(`line ${n}: an unterminated or misplaced quote`);
      return;
    }
    if (entries.size === 0 && problems.length === 0 && row[0]?.toLowerCase() === 'email') {
      return; // the header
    }
    if (row.length < 2 || row.length > 3) {
      problems.push(`line ${n}: expected email,status[,left_at], got ${row.length} column(s)`);
      return;
    }
    const [cell, status = '', leftAtText = ''] = row;
    const email = normaliseEmail(cell ?? '');
    if (email === null) {
      problems.push(`line ${n}: email: expected an email address`);
      return;
    }
    let verdict: DirectoryVerdict;
    const s = status.toLowerCase();
    if (s === 'active') {
      if (leftAtText !== '') {
        problems.push(`line ${n}: left_at: given for an active person`);
        return;
      }
      verdict = ACTIVE;
    } else if (s === 'left') {
      const leftAt = leftAtText === '' ? null : parseDateOrInstant(leftAtText);
      if (leftAtText !== '' && leftAt === null) {
        problems.push(`line ${n}: left_at: expected a date (2026-10-31) or a timestamp with a zone`);
        return;
      }
      verdict = { status: 'left', leftAt: leftAt === null ? null : leftAt.instant.toISOString() };
    } else {
      problems.push(`line ${n}: status: expected active or left`);
      return;
    }
    const earlier = entries.get(email);
    if (earlier !== undefined && earlier.status !== verdict.status) {
      problems.push(`line ${n}: the same email is listed earlier as ${earlier.status}`);
      return;
    }
    entries.set(email, verdict);
  });
  if (problems.length > 0) {
    throw new DirectoryError(`not a valid directory CSV: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`);
  }
  return fromEntries(entries, complete);
}

/** A JSON list of the emails of every active person: anyone not in it is 'absent'. */
export function parseDirectoryJson(text: string): Directory {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new DirectoryError('not valid JSON');
  }
  if (!Array.isArray(document)) {
    throw new DirectoryError('expected a JSON list of the emails of every active person');
  }
  const entries = new Map<string, DirectoryVerdict>();
  const problems: string[] = [];
  document.forEach((item: unknown, i) => {
    const email = typeof item === 'string' ? normaliseEmail(item) : null;
    if (email === null) {
      problems.push(`[${i}]: expected an email address`);
    } else {
      entries.set(email, ACTIVE);
    }
  });
  if (problems.length > 0) {
    throw new DirectoryError(`not a valid directory JSON: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`);
  }
  return fromEntries(entries, true);
}

/** The directory in `text`; throws DirectoryError naming the first bad lines (never their emails). */
export function parseDirectory(text: string, format: DirectoryFormat, complete: boolean): Directory {
  return format === 'json' ? parseDirectoryJson(text) : parseDirectoryCsv(text, complete);
}

/** A directory that answers 'unknown' for everyone: none configured, or it cannot be read. */
export const NO_DIRECTORY: Directory = Object.freeze({ verdict: () => UNKNOWN });
