import type { z } from 'zod';
import { cleanText } from '../core/clean-text.js';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(top level)';
}

// A secret pasted into the wrong field must not be printed back: longer strings are described, not shown.
const MAX_ECHOED_STRING = 16;

/** A bad value as an error message may show it: a short string or a number as JSON, anything else by its type. */
export function showValue(value: unknown): string {
  if (typeof value === 'string' && value.length > MAX_ECHOED_STRING) {
    return 'a string';
  }
  // Zero-width spaces, tags, fillers: quoting them would show nothing.
  if (typeof value === 'string' && value !== '' && cleanText(value) === '') {
    return 'only invisible characters';
  }
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'object') {
    return 'a mapping';
  }
  const json = JSON.stringify(value) ?? typeof value;
  return json.length > 60 ? `${json.slice(0, 60)}…` : json;
}

// An unknown key is shown only when it looks like a misspelt one (letters only): a secret pasted
// as a key (`accounts: [{ 9f8e7d…: x }]`) is described by its place instead.
const SHOWN_KEY = /^[A-Za-z]{1,24}$/;

function unknownKeyLine(path: readonly PropertyKey[], key: string, input: unknown): string {
  if (SHOWN_KEY.test(key)) {
    return `${formatPath([...path, key])}: unknown key`;
  }
  const keys = input !== null && typeof input === 'object' ? Object.keys(input) : [];
  const place = keys.indexOf(key) + 1;
  return `${formatPath(path)}: an unknown key${place > 0 ? ` (key ${place} of ${keys.length})` : ''}, not shown: it is not a name the configuration uses`;
}

const NOUN: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

/** One line per problem, each led by its path: `policy.staleAfterDays: expected a number, got "ninety"`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    const input = (issue as { input?: unknown }).input;
    const got = input === undefined ? '' : `, got ${showValue(input)}`;
    switch (issue.code) {
      case 'invalid_type':
        lines.push(
          input === undefined
            ? `${path}: required`
            : `${path}: expected ${NOUN[issue.expected] ?? issue.expected}${got}`,
        );
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          lines.push(unknownKeyLine(issue.path, key, input));
        }
        break;
      case 'invalid_value':
        lines.push(`${path}: expected one of ${issue.values.map((v) => String(v)).join(', ')}${got}`);
        break;
      case 'too_small':
        lines.push(
          issue.origin === 'array'
            ? `${path}: expected at least ${String(issue.minimum)} item(s)`
            : `${path}: expected ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}${got}`,
        );
        break;
      case 'too_big':
        lines.push(
          issue.origin === 'string'
            ? `${path}: longer than ${String(issue.maximum)} characters`
            : `${path}: expected at most ${String(issue.maximum)}${got}`,
        );
        break;
      case 'invalid_union':
        lines.push(
          path === 'sentinel'
            ? `${path}: expected false or a mapping { everySeconds, minSeverity }${got}`
            : `${path}: expected a token id or a mapping { id, owner }${got}`,
        );
        break;
      case 'invalid_key':
        lines.push(`${path}: invalid key`);
        break;
      case 'custom':
        // Cross-field checks report against the parent object: only a plain value is worth echoing, and
        // not when the message already names it.
        lines.push(
          `${path}: ${issue.message}${(input !== null && typeof input === 'object') || (typeof input === 'string' && issue.message.includes(input)) ? '' : got}`,
        );
        break;
      case 'invalid_format':
      case 'not_multiple_of':
      case 'invalid_element':
        lines.push(`${path}: ${issue.message}${got}`);
        break;
    }
  }
  return lines;
}
