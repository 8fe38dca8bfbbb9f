/** What replaces a secret, in every output. */
export const REDACTED = '[REDACTED]';

// Secrets shorter than this are not scrubbed: replacing every "abc" would mangle unrelated text, and a key
// that short is no secret anyway.
const MIN_SECRET_LENGTH = 6;

// A Slack incoming-webhook path (`/services/T…/B…/secret`), with or without its host: some proxies and Slack
// itself echo the request line in an error body, and the path alone is enough to post to the channel.
const WEBHOOK_PATH = /(?:https?:\/\/[^\s/"']+)?\/services\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+/g;

/** Every form a request can carry `secret` in: raw, URL-encoded, JSON-escaped, base64 (also of an `APIKey` header value). */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(JSON.stringify(secret).slice(1, -1));
  for (const value of [secret, `APIKey ${secret}`, `Bearer ${secret}`]) {
    // Stryker disable next-line StringLiteral: Buffer.from's default encoding is utf8, so "" encodes the same
    const b64 = Buffer.from(value, 'utf8').toString('base64');
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ''));
    forms.add(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/**
 * Text that came from outside (an API's answer, an error body, a token's name) made safe to log, store or
 * print: every known secret, in every encoding, and anything shaped like a Slack webhook path, replaced.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  const forms = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(secretForms).sort((a, b) => b.length - a.length);
  for (const form of forms) {
    // Stryker disable next-line ConditionalExpression: splitting on an absent form changes nothing; the test only saves work
    if (out.includes(form)) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out.replace(WEBHOOK_PATH, REDACTED);
}
