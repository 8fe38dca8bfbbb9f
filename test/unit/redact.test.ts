import { describe, expect, it } from '@jest/globals';
import { REDACTED, redact, secretForms } from '../../src/core/redact.js';

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

  it('replaces the base64 forms of a Bearer header value, padded and unpadded', () => {
    const key = 'abcdefg';
    const b64 = Buffer.from(`Bearer ${key}`).toString('base64');
    expect(b64.endsWith('=')).toBe(true);
    expect(redact(`auth ${b64} end`, [key])).toBe(`auth ${REDACTED} end`);
    expect(redact(`auth ${b64.replace(/=+$/, '')}.`, [key])).toBe(`auth ${REDACTED}.`);
  });

  it('scrubs a secret of exactly six characters, not one of five', () => {
    expect(redact('a sixsix b', ['sixsix'])).toBe(`a ${REDACTED} b`);
    expect(redact('a fivef b', ['fivef'])).toBe('a fivef b');
  });

  it('lists each form once, only forms of at least six characters', () => {
    const forms = secretForms('a/b+c=d');
    expect(forms).toEqual([...new Set(forms)]);
    expect(forms).toEqual(
      expect.arrayContaining([
        'a/b+c=d',
        'a%2Fb%2Bc%3Dd',
        Buffer.from('a/b+c=d').toString('base64'),
        Buffer.from('APIKey a/b+c=d').toString('base64').replace(/=+$/, ''),
        Buffer.from('Bearer a/b+c=d').toString('base64url'),
      ]),
    );
    const short = secretForms('ab');
    expect(short).not.toContain('ab');
    expect(short).toContain(Buffer.from('APIKey ab').toString('base64'));
    expect(short.every((f) => f.length >= 6)).toBe(true);
  });

  it('replaces every occurrence of a secret, and every webhook path', () => {
    expect(redact('k=secret123&again=secret123', ['secret123'])).toBe(`k=${REDACTED}&again=${REDACTED}`);
    expect(redact('/services/A/B/c and /services/D/E/f', [])).toBe(`${REDACTED} and ${REDACTED}`);
  });

  it('takes a webhook URL whole up to its secret, and stops at a quote, space or slash after it', () => {
    expect(redact('"http://hooks.slack.com/services/T_1/B-2/sec_ret-3"', [])).toBe(`"${REDACTED}"`);
    expect(redact("'https://proxy.local:8443/services/T1/B2/s3/extra'", [])).toBe(`'${REDACTED}/extra'`);
    expect(redact('not a hook: /services/T1/B2', [])).toBe('not a hook: /services/T1/B2');
    expect(redact('ftp://host/services/T1/B2/s3', [])).toBe(`ftp://host${REDACTED}`);
  });

  it('replaces each base64 form on its own: standard without padding, and base64url of the key and of the header', () => {
    // Chosen so that each form differs from every other one: a `+` or `/` in the base64, and `==` padding.
    expect(Buffer.from('a?b>c~d').toString('base64')).toBe('YT9iPmN+ZA==');
    expect(redact('x YT9iPmN+ZA y', ['a?b>c~d'])).toBe(`x ${REDACTED} y`);
    expect(redact('x YT9iPmN-ZA y', ['a?b>c~d'])).toBe(`x ${REDACTED} y`);
    expect(Buffer.from('APIKey k?>~z1').toString('base64')).toBe('QVBJS2V5IGs/Pn56MQ==');
    expect(redact('x QVBJS2V5IGs_Pn56MQ y', ['k?>~z1'])).toBe(`x ${REDACTED} y`);
  });

  it('replaces the raw form of a secret whose URL and JSON forms differ from it', () => {
    expect(redact('name: ab"cd/efg!', ['ab"cd/efg'])).toBe(`name: ${REDACTED}!`);
  });

  it('ignores a short secret in every form, even the long base64 of its header', () => {
    const header = Buffer.from('APIKey abc').toString('base64');
    expect(redact(`auth ${header}`, ['abc'])).toBe(`auth ${header}`);
  });

  it('replaces a secret spelt in HTML entities, URL encoding, JSON escapes, or any mix of them', () => {
    const key = 'k3y/with&odd:chars';
    const spellings = [
      'k3y&#47;with&amp;odd&#58;chars',
      'k3y&#x2F;with&amp;odd&colon;chars',
      'k3y&#x2f;with%26odd%3achars',
      'k3y%2Fwith%26odd:chars',
      'k3y%252Fwith&amp;amp;odd:chars',
      'k3y\\u002fwith\\u0026odd:chars',
      '&#107;3y&sol;with&#38;odd&#x3A;chars',
    ];
    for (const spelt of spellings) {
      expect(redact(`<p>denied: ${spelt}</p>`, [key])).toBe(`<p>denied: ${REDACTED}</p>`);
    }
    // Plain text with no escape in it is left as it is.
    expect(redact('k3y with odd chars', [key])).toBe('k3y with odd chars');
  });

  it('replaces a webhook path whose slashes are HTML entities or URL-encoded, host and all', () => {
    for (const slash of ['&#47;', '&#x2F;', '&#x2f;', '%2F', '%2f', '&amp;#47;', '&sol;', '\\/']) {
      const path = ['', 'services', 'T0AAA', 'B0BBB', 'xyzXYZ123'].join(slash);
      expect(redact(`POST ${path} failed`, [])).toBe(`POST ${REDACTED} failed`);
      expect(redact(`POST https:${slash}${slash}hooks.slack.com${path} failed`, [])).toBe(`POST ${REDACTED} failed`);
    }
  });
  it('each list of secrets is redacted by its own forms, however many lists came before (the forms are built once per list)', () => {
    const first = 'first-secret-0001';
    const second = 'second-secret-0002';
    expect(redact(`a ${first} b ${second}`, [first])).toBe(`a ${REDACTED} b ${second}`);
    // A list that starts with the same secret is not the same list: both its secrets go.
    expect(redact(`a ${first} b ${second}`, [first, second])).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redact(`a ${first} b ${second}`, [second])).toBe(`a ${first} b ${REDACTED}`);
    // Past the bound of kept lists, a list seen before is redacted as well as a new one.
    for (let i = 0; i < 1100; i += 1) {
      const other = `other-secret-${i}`;
      expect(redact(`x ${other}`, [other])).toBe(`x ${REDACTED}`);
    }
    expect(redact(`a ${first} b ${Buffer.from(second).toString('base64')}`, [first, second])).toBe(`a ${REDACTED} b ${REDACTED}`);
  });
});

