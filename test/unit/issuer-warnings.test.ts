import { describe, expect, it } from '@jest/globals';
import { issuerWarnings } from '../../src/run/issuer-warnings.js';
import type { TokenResult } from '../../src/core/report.js';

const result = (tokenId: number, status: TokenResult['status'], notEvaluated?: string[]): TokenResult => ({
  clientId: 456,
  tokenId,
  status,
  findings: [],
  ...(notEvaluated === undefined ? {} : { notEvaluated }),
});

describe('issuerWarnings', () => {
  it('says nothing when every issuer rule was evaluated and the directory is usable', () => {
    expect(issuerWarnings([result(1, 'audited'), result(2, 'failed')], null)).toEqual([]);
  });

  it('counts each rule not evaluated, and the audited tokens a broken directory left unjudged', () => {
    const results = [result(1, 'audited', ['issuer-role-dropped', 'issuer-dormant']), result(2, 'audited', ['issuer-dormant']), result(3, 'gone'), result(4, 'failed')];
    expect(issuerWarnings(results, 'issuers.directory: hr.example.com: HTTP 503; the issuer rules that need it are not evaluated')).toEqual([
      'issuers.directory: hr.example.com: HTTP 503; the issuer rules that need it are not evaluated (issuer-left not evaluated for 2 token(s))',
      "issuer-dormant not evaluated for 2 token(s): Gcore's login history does not cover their issuers",
      "issuer-role-dropped not evaluated for 1 token(s): their issuer's current role, or its rank beside the token's, is not known",
    ]);
  });

  it('a broken directory counts the audited tokens only, not those failed or gone (they were never judged)', () => {
    const results = [result(1, 'audited'), result(2, 'failed'), result(3, 'gone'), result(4, 'failed')];
    expect(issuerWarnings(results, 'issuers.directory: HTTP 503')).toEqual(['issuers.directory: HTTP 503 (issuer-left not evaluated for 1 token(s))']);
  });
});
