import { parseRedisUrl } from './redis-url.js';

// Node's TLS errors: an unknown or wrong CA, a name that does not match, an expired certificate, a plain
// port spoken to in TLS (or the reverse).
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_|CERT_|HOSTNAME_MISMATCH)/;

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
};
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Errors that waiting cannot cure: the credentials or the TLS setup are wrong. */
export function isPermanentRedisError(error: unknown): boolean {
  const message = messageOf(error);
  return /^(WRONGPASS|NOAUTH|NOPERM)\b/.test(message) || /invalid (username-password|password)/i.test(message) || TLS_CODES.test(codeOf(error));
}

/**
 * Nothing listens where we connect: a single Redis answers ECONNREFUSED; a cluster client hides its nodes'
 * errors and says only that it could not refresh its slots from any node (the connections closed at once).
 */
export function isRefusedRedisError(error: unknown): boolean {
  return codeOf(error) === 'ECONNREFUSED' || messageOf(error).startsWith('Failed to refresh slots cache');
}

/**
 * Redis's (or the network's) error as one line an operator can act on, never carrying the password, even
 * where a server or proxy echoes it back.
 */
export function describeRedisError(error: unknown, redisUrl: string): string {
  const message = messageOf(error).split('\n')[0]!; // split always gives a first element
  const code = codeOf(error);
  let line: string;
  if (/^WRONGPASS\b/.test(message) || /invalid (username-password|password)/i.test(message)) {
    line = 'the username or password in REDIS_URL was refused (WRONGPASS)';
  } else if (/^NOAUTH\b/.test(message)) {
    line = 'a password is required: give it in REDIS_URL, redis://user:password@host:port (NOAUTH)';
  } else if (/^NOPERM\b/.test(message)) {
    line = `the Redis user may not run a command the queues need (${message})`;
  } else if (TLS_CODES.test(code)) {
    line = `TLS failed (${code}): ${message}; for a private CA set REDIS_TLS_CA_FILE, and use rediss:// only for a TLS port`;
  } else if (message.startsWith('Failed to refresh slots cache')) {
    line = 'no node of REDIS_CLUSTER_NODES could be reached (Failed to refresh slots cache)';
  } else if (code === 'ECONNREFUSED') {
    line = 'connection refused (ECONNREFUSED): nothing listens there';
  } else if (code === 'ECONNRESET' && message.includes('TLS')) {
    line = `TLS failed: ${message}`;
  } else if (code) {
    line = `${message} (${code})`;
  } else {
    line = message;
  }
  return mask(line, redisUrl);
}

function mask(text: string, redisUrl: string): string {
  let password: string | undefined;
  try {
    password = parseRedisUrl(redisUrl).password;
  } catch {
    // Not a URL: there is no password to mask (password stays undefined).
  }
  if (!password) {
    return text;
  }
  return [password, encodeURIComponent(password)].reduce((out, form) => out.split(form).join('***'), text);
}
