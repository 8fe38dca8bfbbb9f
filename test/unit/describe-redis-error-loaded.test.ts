import { describe, expect, it } from '@jest/globals';

// What src/store/describe-redis-error.ts sets as it loads: the pattern of TLS error codes and `messageOf`. The
// module is imported inside the one test, so that what runs as it loads counts as this test's (as the first
// test of a file that imports it at the top, it would count as no test's, or as another file's that never
// reads it).
describe('describe-redis-error as loaded', () => {
  it('a TLS code only at the start of the code; the message of an Error or of a thrown string', async () => {
    const m = await import('../../src/store/describe-redis-error.js');
    expect(m.isPermanentRedisError(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' }))).toBe(true);
    expect(m.isPermanentRedisError(Object.assign(new Error('x'), { code: 'E_CERT_SOMETHING' }))).toBe(false);
    expect(m.isPermanentRedisError(new Error('NOAUTH Authentication required.'))).toBe(true);
    expect(m.isPermanentRedisError('NOAUTH Authentication required.')).toBe(true);
    expect(m.describeRedisError('LOADING Redis is loading', 'redis://h:6379')).toBe('LOADING Redis is loading');
  });
});
