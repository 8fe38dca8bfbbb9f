import { UsageError } from '../core/errors.js';

/** What a REDIS_URL says: where, who, and whether over TLS. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly db: number;
}

const QUERY_KEYS = new Set(['password', 'username', 'db']);

/**
 * Parses `redis://[user:password@]host[:port][/db]` and `rediss://` (TLS). Providers write the password in
 * three ways, all accepted: `user:password@` (Redis ACL), `:password@`, and `password@` (no colon: a URL
 * user part alone is a password, since AUTH always needs one), or `?password=` in the query.
 */
export function parseRedisUrl(url: string): RedisEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('REDIS_URL: expected redis://host:port or rediss://host:port (a password with : / @ # ? or % written URL-encoded)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError('REDIS_URL: expected redis:// or rediss:// (TLS)');
  }
  // An unencoded # or / in a password cuts the URL short: the rest of the password becomes the host, a
  // fragment or the database, and would be sent or printed as such.
  if (url.includes('#') || parsed.pathname.includes('@') || parsed.search.includes('@')) {
    throw new UsageError('REDIS_URL: a # / or @ out of place: write a password with these characters URL-encoded (%23, %2F, %40)');
  }
  for (const key of parsed.searchParams.keys()) {
    if (!QUERY_KEYS.has(key)) {
      throw new UsageError(`REDIS_URL: an unknown parameter (known: ${[...QUERY_KEYS].join(', ')})`);
    }
  }
  let username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  let password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  // A user part alone (`secret@`, not `user:@`) is the password; with no user part the swap leaves both undefined.
  if (password === undefined && !url.includes(`${parsed.username}:@`)) {
    password = username;
    username = undefined;
  }
  username = parsed.searchParams.get('username') ?? username;
  password = parsed.searchParams.get('password') ?? password;
  const dbText = parsed.searchParams.get('db') ?? (parsed.pathname.length > 1 ? parsed.pathname.slice(1) : '0');
  const db = Number(dbText);
  if (!/^\d{1,2}$/.test(dbText)) {
    // Never the text: a password written after the host would be printed back.
    throw new UsageError('REDIS_URL: expected a database number (0 to 99) after the host');
  }
  const port = parsed.port ? Number(parsed.port) : 6379;
  return {
    // A host name holds brackets only around an IPv6 address.
    host: parsed.hostname.replace(/[[\]]/g, ''),
    port,
    tls: parsed.protocol === 'rediss:',
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

/**
 * A Redis URL fit for logs and errors: the password masked in every form (`user:pass@`, `pass@`,
 * `?password=`). Something that is not a URL is not echoed at all: it may be a password pasted in the wrong place.
 */
export function maskRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(REDIS_URL, not a URL)';
  }
  if (url.includes('#') || parsed.pathname.includes('@') || parsed.search.includes('@')) {
    return '(REDIS_URL, not shown: a # / or @ out of place)';
  }
  if (parsed.password) {
    parsed.password = '***';
  } else if (parsed.username) {
    // `redis://secret@host`: the user part is the password.
    parsed.username = '***';
  }
  if (parsed.searchParams.has('password')) {
    parsed.searchParams.set('password', '***');
  }
  return parsed.toString();
}

/**
 * `url` with `password` put in as its password (URL-encoded, so any character survives the round trip): how
 * REDIS_PASSWORD or REDIS_PASSWORD_FILE (a Docker secret) joins a REDIS_URL that names only the host. The
 * result is masked wherever REDIS_URL is (maskRedisUrl, describeRedisError).
 */
export function redisUrlWithPassword(url: string, password: string): string {
  if (parseRedisUrl(url).password !== undefined) {
    throw new UsageError('REDIS_URL holds a password and REDIS_PASSWORD (or REDIS_PASSWORD_FILE) gives one too: give it once');
  }
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

