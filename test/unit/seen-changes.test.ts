import { describe, expect, it } from '@jest/globals';
import type { TokenResult } from '../../src/core/token-result.js';
import { seenChanges } from '../../src/run/seen-changes.js';

const result = (clientId: number, tokenId: number, status: TokenResult['status']): TokenResult => ({ clientId, tokenId, status, findings: [] });

describe('seenChanges (what a run\'s commit does to the sentinel\'s seen sets)', () => {
  it('adds the tokens read, removes those Gcore answered 404 for, and leaves a token it could not read alone', () => {
    const changes = seenChanges([456], [result(456, 1, 'audited'), result(456, 2, 'gone'), result(456, 3, 'failed'), result(456, 4, 'audited')]);
    expect(changes).toEqual(new Map([[456, { present: [1, 4], gone: [2] }]]));
  });

  it('records an account listed completely even when it has no tokens, so its first new token is not "record only"', () => {
    expect(seenChanges([456, 789], [])).toEqual(new Map([[456, { present: [], gone: [] }], [789, { present: [], gone: [] }]]));
  });

  it('changes nothing for an account the run did not list completely', () => {
    expect(seenChanges([456], [result(789, 1, 'audited'), result(789, 2, 'gone')])).toEqual(new Map([[456, { present: [], gone: [] }]]));
  });
});
