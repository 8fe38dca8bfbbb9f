import { describe, expect, it } from '@jest/globals';
import { describeRedisError, isPermanentRedisError, isRefusedRedisError } from '../../src/store/describe-redis-error.js';

const withCode = (message: string, code: unknown) => Object.assign(new Error(message), { code });
const URL_WITHOUT_PASSWORD = 'redis://h:6379';

describe('isPermanentRedisError: what waiting cannot cure', () => {
  it.each([
    ['WRONGPASS', new Error('WRONGPASS invalid username-password pair or user is disabled.')],
    ['NOAUTH', new Error('NOAUTH Authentication required.')],
    ['NOPERM', new Error("NOPERM User alice has no permissions to run the 'evalsha' command")],
    ['an older server refusing the password', new Error('ERR Invalid password')],
    ['a proxy refusing the pair', new Error('ERR invalid username-password pair')],
    ['a thrown string', 'NOAUTH Authentication required.'],
    ['a certificate gone stale', withCode('certificate has expired', 'CERT_HAS_EXPIRED')],
    ['a name that does not match', withCode("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID')],
    ['an unknown CA', withCode('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')],
  ])('%s is permanent', (_what, error) => {
    expect(isPermanentRedisError(error)).toBe(true);
  });

  it.each([
    ['nothing listening', withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')],
    ['a word starting with WRONGPASS', new Error('WRONGPASSWORD is not a reply Redis gives')],
    ['WRONGPASS quoted further on', new Error('ERR proxy said WRONGPASS earlier')],
    ['a TLS-looking code further on in the code', withCode('x', 'E_CERT_SOMETHING')],
    ['a code that is not a string', withCode('x', 35)],
    ['null', null],
    ['a loading server', new Error('LOADING Redis is loading the dataset in memory')],
  ])('%s is not', (_what, error) => {
    expect(isPermanentRedisError(error)).toBe(false);
  });
});

describe('isRefusedRedisError', () => {
  it('is false for a thrown value with no code, and for the slots message found later in a line', () => {
    expect(isRefusedRedisError(null)).toBe(false);
    expect(isRefusedRedisError(new Error('cluster: Failed to refresh slots cache.'))).toBe(false);
  });
});

describe('describeRedisError: one line an operator can act on', () => {
  it.each([
    ['the first line of a long message only', new Error('ERR something broke\n    at stack frame'), 'ERR something broke'],
    ['an older server refusing the password', new Error('ERR Invalid password'), 'the username or password in REDIS_URL was refused (WRONGPASS)'],
    ['NOPERM, with what Redis says', new Error("NOPERM this user has no permissions to run the 'xadd' command"), "the Redis user may not run a command the queues need (NOPERM this user has no permissions to run the 'xadd' command)"],
    ['a TLS port spoken to in plain text', withCode('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET'), 'TLS failed: Client network socket disconnected before secure TLS connection was established'],
    ['a reset that is not TLS', withCode('read ECONNRESET', 'ECONNRESET'), 'read ECONNRESET (ECONNRESET)'],
    ['a message without a code', new Error('ERR unknown command'), 'ERR unknown command'],
    ['a thrown string', 'socket closed', 'socket closed'],
    ['a code that is not a string', withCode('ERR odd', 7), 'ERR odd'],
    ['TLS named by another error than a reset', withCode('write EPIPE during TLS', 'EPIPE'), 'write EPIPE during TLS (EPIPE)'],
    ['WRONGPASS quoted further on', new Error('ERR proxy: upstream said WRONGPASS'), 'ERR proxy: upstream said WRONGPASS'],
    ['NOAUTH quoted further on', new Error('ERR proxy: upstream said NOAUTH'), 'ERR proxy: upstream said NOAUTH'],
    ['NOPERM quoted further on', new Error('ERR proxy: upstream said NOPERM'), 'ERR proxy: upstream said NOPERM'],
  ])('%s', (_what, error, line) => {
    expect(describeRedisError(error, URL_WITHOUT_PASSWORD)).toBe(line);
  });

  it('masks the password where the text holds it, raw or URL-encoded, and leaves the rest', () => {
    const password = 'p@ss w';
    const url = `redis://alice:${encodeURIComponent(password)}@h:6379`;
    expect(describeRedisError(new Error(`ERR bad auth ${password} and ${encodeURIComponent(password)} end`), url)).toBe('ERR bad auth *** and *** end');
  });

  it('changes nothing when REDIS_URL has no password, or is not a URL', () => {
    expect(describeRedisError(new Error('ERR a b c'), URL_WITHOUT_PASSWORD)).toBe('ERR a b c');
    expect(describeRedisError(new Error('ERR a b c'), 'not a url')).toBe('ERR a b c');
    expect(describeRedisError(new Error('ERR undefined is not a function'), URL_WITHOUT_PASSWORD)).toBe('ERR undefined is not a function');
  });
});
