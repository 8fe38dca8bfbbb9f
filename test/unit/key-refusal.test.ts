import { describe, expect, it } from '@jest/globals';
import { GcoreAuthError, GcoreForbiddenError, GcoreNotFoundError, GcoreUnavailableError, SecretNotSetError } from '../../src/core/errors.js';
import { keyRefusal } from '../../src/run/key-refusal.js';

describe('keyRefusal', () => {
  it('names the variable to fix, whole, for every account-wide cause', () => {
    const long = 'Token is invalid or expired '.repeat(20);
    expect(keyRefusal(new GcoreAuthError(long), 'GCORE_API_KEY_100005', 100005)).toBe('GCORE_API_KEY_100005 was rejected (401)');
    expect(keyRefusal(new GcoreForbiddenError(long), 'K', 7)).toBe('K may not read account 7 (403)');
    expect(keyRefusal(new GcoreForbiddenError(long), 'K', null)).toBe('K may not read its account (403)');
    expect(keyRefusal(new SecretNotSetError('K'), 'K', 7)).toBe('K is not set (nor K_FILE)');
    expect(keyRefusal(new GcoreNotFoundError('x'), 'K', 7, true)).toBe('K does not know account 7 (404)');
  });

  it('leaves a token its own causes: a 404 on one token, a 5xx', () => {
    expect(keyRefusal(new GcoreNotFoundError('x'), 'K', 7)).toBeNull();
    expect(keyRefusal(new GcoreUnavailableError('HTTP 500', undefined), 'K', 7, true)).toBeNull();
    expect(keyRefusal(new Error('bug'), 'K', 7)).toBeNull();
  });
});
