import type { DirectoryFormat } from '../core/directory.js';
import { isLoopbackHost } from '../core/loopback-host.js';

/**
 * The problem with `issuers.directory.url`, or null: https (plain http only to a loopback address, for tests
 * and local stand-ins), no credentials in it (the bearer token has its own variable). The URL is not quoted.
 */
export function directoryUrlProblem(text: string): string | null {
  if (!URL.canParse(text)) {
    return 'expected an https:// URL';
  }
  const url = new URL(text);
  if (url.username || url.password) {
    return 'expected a URL without credentials (name the bearer token in tokenEnv)';
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return null;
  }
  return 'expected an https:// URL (http:// only to a loopback address)';
}

/** The format a name implies: .csv or .json, else null. */
export function directoryFormatOf(name: string): DirectoryFormat | null {
  const lower = name.toLowerCase();
  return lower.endsWith('.csv') ? 'csv' : lower.endsWith('.json') ? 'json' : null;
}
