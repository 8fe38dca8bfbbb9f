import { describe, expect, it } from '@jest/globals';
import { REDACTED, redact } from '../../src/core/redact.js';

const KEY = '1234$abcdEFGH/+=secretkey';

describe('redact', () => {
  it.each([
    ['raw', KEY],
    ['URL-encoded', encodeURIComponent(KEY)],
    ['base64', Buffer.from(KEY).toString('base64')],
    ['base64 of the Authorization header value', Buffer.from(`APIKey ${KEY}`).toString('base64')],
    ['base64url without padding', Buffer.from(KEY).toString('base64url')],
  ])('replaces the %s form of a secret', (_form, encoded) => {
    const out = redact(`before ${encoded} after`, [KEY]);
    expect(out).toBe(`before ${REDACTED} after`);
  });

  it('replaces the JSON-escaped form of a secret', () => {
    const key = 'abc"def\\ghi';
    expect(redact(JSON.stringify({ name: `x${key}y` }), [key])).toBe(`{"name":"x${REDACTED}y"}`);
  });

  it('replaces a Slack webhook path with or without its host', () => {
    const text =
      'Denied: POST https://hooks.slack.com/services/T0AAA/B0BBB/xyzXYZ123 HTTP/1.1; path /services/T1/B2/abcdef';
    const out = redact(text, []);
    expect(out).toBe(`Denied: POST ${REDACTED} HTTP/1.1; path ${REDACTED}`);
  });

  it('leaves other text alone and ignores secrets too short to be secrets', () => {
    expect(redact('nothing to see here: abc', ['abc', 'zzzzzzzz'])).toBe('nothing to see here: abc');
  });

  it('replaces a longer secret whole when it contains a shorter one', () => {
    expect(redact('x longsecret-and-more y', ['longsecret', 'longsecret-and-more'])).toBe(`x ${REDACTED} y`);
  });
});
