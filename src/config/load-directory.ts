import { statSync } from 'node:fs';
import { NO_DIRECTORY, parseDirectory, type Directory, type DirectoryVerdict } from '../core/directory.js';
import { AuditError, DirectoryError } from '../core/errors.js';
import type { DirectorySettings } from './config.js';
import { readSmallFile, UnreadableFileError, MAX_FILE_BYTES } from './read-small-file.js';
import type { Secrets } from './secrets.js';

export interface DirectoryIo {
  readonly secrets: Secrets;
  /** Injected by tests; Node's fetch otherwise. */
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch; Date.now otherwise. */
  readonly now?: () => number;
  readonly timeoutMs?: number;
  /**
   * A file is looked at (stat) at most this often, however often refresh() is called (default 0: every call);
   * the worker refreshes before every token, so a change is seen by the first token after at most this long.
   */
  readonly fileCheckMs?: number;
}

/**
 * The company directory as the run sees it. `problem` is null, or why it cannot be used (said at start and in
 * every run's warnings): then every verdict is 'unknown' and the issuer rules that need it find nothing.
 */
export interface DirectorySource {
  verdict(email: string): DirectoryVerdict;
  readonly problem: string | null;
  /** Reads the file again if it changed, fetches the URL again if refreshMinutes have passed. */
  refresh(): Promise<void>;
}

const NOT_CONFIGURED: DirectorySource = Object.freeze({ verdict: (email: string) => NO_DIRECTORY.verdict(email), problem: null, refresh: async () => {} });

/**
 * Reads `issuers.directory` (null: none configured). A file is read again when its modification time or size
 * changes (looked at most every fileCheckMs); a URL is fetched with `Authorization: Bearer <tokenEnv>` at most every refreshMinutes (a failed fetch
 * too: the directory's server is not hammered). The contents and the token never leave this object; a problem
 * names the file or the URL's host and why, never an email or the token.
 */
export async function loadDirectory(settings: DirectorySettings | null, io: DirectoryIo): Promise<DirectorySource> {
  if (settings === null) {
    return NOT_CONFIGURED;
  }
  const now = io.now ?? Date.now;
  let current: Directory = NO_DIRECTORY;
  let problem: string | null = null;
  let fileStamp: string | null = null;
  let fetchedAt: number | null = null;
  let fileCheckedAt: number | null = null;

  const use = (text: string) => {
    current = parseDirectory(text, settings.format, settings.listsEveryActive);
    problem = null;
  };
  const fail = (where: string, error: unknown) => {
    current = NO_DIRECTORY; // never an old copy: a stale "active" would hide a departure
    const why = error instanceof AuditError || error instanceof UnreadableFileError ? error.message : 'unreadable';
    problem = `issuers.directory: ${where}: ${why}; the issuer rules that need it are not evaluated`;
  };

  const refreshFile = (path: string) => {
    const t = now();
    if (fileCheckedAt !== null && t - fileCheckedAt < (io.fileCheckMs ?? 0)) {
      return;
    }
    fileCheckedAt = t;
    let stamp: string;
    try {
      const s = statSync(path);
      stamp = `${s.mtimeMs}:${s.size}`;
    } catch (error) {
      fileStamp = null;
      fail(path, new UnreadableFileError((error as NodeJS.ErrnoException).code ?? 'unreadable'));
      return;
    }
    if (stamp === fileStamp) {
      return;
    }
    fileStamp = stamp;
    try {
      use(readSmallFile(path));
    } catch (error) {
      fail(path, error);
    }
  };

  const refreshUrl = async (url: string) => {
    if (fetchedAt !== null && now() - fetchedAt < settings.refreshMinutes * 60_000) {
      return;
    }
    fetchedAt = now();
    const host = new URL(url).host;
    try {
      const headers: Record<string, string> = { accept: settings.format === 'json' ? 'application/json' : 'text/csv' };
      if (settings.tokenEnv !== null) {
        headers.authorization = `Bearer ${io.secrets.get(settings.tokenEnv)}`;
      }
      // No redirects: the bearer token goes to the configured host and nowhere else.
      const response = await (io.fetch ?? fetch)(url, { headers, redirect: 'error', signal: AbortSignal.timeout(io.timeoutMs ?? 10_000) });
      if (!response.ok) {
        await response.body?.cancel();
        throw new DirectoryError(`HTTP ${response.status}`);
      }
      const text = await response.text();
      if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
        throw new DirectoryError('larger than 1 MB');
      }
      use(text);
    } catch (error) {
      fail(host, error instanceof AuditError ? error : new DirectoryError('cannot be fetched'));
    }
  };

  const source: DirectorySource = {
    verdict: (email) => current.verdict(email),
    get problem() {
      return problem;
    },
    refresh: async () => {
      if (settings.file !== null) {
        refreshFile(settings.file);
      } else if (settings.url !== null) {
        await refreshUrl(settings.url);
      }
    },
  };
  await source.refresh();
  return source;
}
