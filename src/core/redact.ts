/** What replaces a secret, in every output. */
export const REDACTED = '[REDACTED]';

// Secrets shorter than this are not scrubbed: replacing every "abc" would mangle unrelated text, and a key
// that short is no secret anyway.
const MIN_SECRET_LENGTH = 6;

// `/` as an echo may write it: raw, URL-encoded (once or twice), as an HTML entity (its `&` itself escaped or
// not), JSON-escaped.
const SLASH = String.raw`(?:\/|%(?:25)?2[Ff]|&(?:amp;)?#0*47;|&(?:amp;)?#[xX]0*2[Ff];|&(?:amp;)?sol;|\\\/|\\u002[Ff])`;
const COLON = String.raw`(?::|%(?:25)?3[Aa]|&(?:amp;)?#0*58;|&(?:amp;)?#[xX]0*3[Aa];|&(?:amp;)?colon;|\\u003[Aa])`;

// A Slack incoming-webhook path (`/services/T…/B…/secret`), with or without its host, in any of those
// spellings: some proxies and Slack itself echo the request line in an error body (HTML pages entity-encode
// it), and the path alone is enough to post to the channel.
const WEBHOOK_PATH = new RegExp(
  String.raw`(?:https?${COLON}${SLASH}${SLASH}[^\s/"'&%\\]+)?${SLASH}services${SLASH}[A-Za-z0-9_-]+${SLASH}[A-Za-z0-9_-]+${SLASH}[A-Za-z0-9_-]+`,
  'g',
);

/** Every form a request can carry `secret` in: raw, URL-encoded, JSON-escaped, base64 (also of an `APIKey` header value). */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(JSON.stringify(secret).slice(1, -1));
  for (const value of [secret, `APIKey ${secret}`, `Bearer ${secret}`]) {
    // Buffer.from's default encoding, utf8: no literal that a mutant could change to "" (which encodes the same).
    const b64 = Buffer.from(value).toString('base64');
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ''));
    forms.add(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos', '/': 'sol', ':': 'colon', '=': 'equals', '?': 'quest',
  '+': 'plus', '%': 'percnt', '#': 'num', '$': 'dollar', '.': 'period', '-': 'hyphen', '_': 'lowbar',
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
// A hex digit in either case: `%2f` and `%2F`, `&#x2f;` and `&#x2F;` are the same character.
const hexPattern = (hex: string) => hex.replace(/[a-f]/gi, (d) => `[${d.toLowerCase()}${d.toUpperCase()}]`);

/** Every way an echo can spell one character: itself, %XX (once or twice encoded), &#D; &#xH; &name; (with `&` as `&amp;` too), \uXXXX. */
function charPattern(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const utf8 = [...Buffer.from(char, 'utf8')].map((b) => `%(?:25)?${hexPattern(b.toString(16).padStart(2, '0'))}`).join('');
  const hex = hexPattern(code.toString(16));
  const named = NAMED_ENTITIES[char];
  const entity = `&(?:amp;)?#(?:0*${code}|[xX]0*${hex});${named === undefined ? '' : `|&(?:amp;)?${named};`}`;
  const json = code <= 0xffff ? `|\\\\u${hexPattern(code.toString(16).padStart(4, '0'))}` : '';
  const plus = char === ' ' ? '|\\+' : '';
  return `(?:${escapeRegExp(char)}|${utf8}|${entity}${json}${plus})`;
}

const MAX_CACHED = 1000;

/** `build()` for `key`, built once and kept; past MAX_CACHED keys the cache starts again, so it stays bounded. */
function cached<V>(cache: Map<string, V>, key: string, build: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= MAX_CACHED) {
      cache.clear();
    }
    value = build();
    cache.set(key, value);
  }
  return value;
}

// Built once per secret: the worker redacts every log line and job error with the same few secrets.
const encodedPatterns = new Map<string, RegExp>();

/** `secret` spelt character by character in any mix of URL encoding, HTML entities and JSON escapes. */
function encodedPattern(secret: string): RegExp {
  return cached(encodedPatterns, secret, () => new RegExp([...secret].map(charPattern).join(''), 'g'));
}

// Built once per list of secrets: an audit redacts several fields of every token with its account's one key,
// and working out the base64 spellings again each time cost more than the replacing.
const formLists = new Map<string, readonly string[]>();

/** Every form of every secret, longest first, so a secret that contains another is replaced whole. */
function formsOf(secrets: readonly string[]): readonly string[] {
  return cached(formLists, JSON.stringify(secrets), () => secrets.flatMap(secretForms).sort((a, b) => b.length - a.length));
}

/**
 * Text that came from outside (an API's answer, an error body, a token's name) made safe to log, store or
 * print: every known secret, in every encoding (any mix of URL encoding, HTML entities and JSON escapes
 * included), and anything shaped like a Slack webhook path, replaced.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  const long = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH);
  for (const form of formsOf(long)) {
    out = out.replaceAll(form, REDACTED);
  }
  // Only text with an escape in it can hold an encoded spelling: plain text is spared the longer scan.
  if (/[%&\\+]/.test(out)) {
    for (const secret of [...long].sort((a, b) => b.length - a.length)) {
      out = out.replace(encodedPattern(secret), REDACTED);
    }
  }
  return out.replace(WEBHOOK_PATH, REDACTED);
}
