import { describe, expect, it } from '@jest/globals';
import { makeTokenHandler } from '../../jobs/token-job.js';
import { createSecrets } from '../../src/config/secrets.js';
import type { DirectorySource } from '../../src/config/load-directory.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import type { IssuerFacts } from '../../src/core/issuer-facts.js';
import { DEFAULT_THRESHOLDS } from '../../src/core/policy.js';
import { gcoreToken } from '../support/gcore-stand-in.js';

const NOW = '2026-11-29T12:00:00.000Z';
const api: GcoreApi = {
  getAccountId: () => Promise.reject(new Error('not used')),
  listTokens: () => Promise.reject(new Error('not used')),
  getToken: (clientId, tokenId) =>
    Promise.resolve(
      gcoreToken(tokenId, {
        created: '2026-06-01T00:00:00.000000Z',
        exp_date: '2027-03-01T00:00:00.000000Z',
        last_usage: '2026-11-28T00:00:00.000000Z',
        client_user: { role: { id: 1, name: 'Administrators' }, deleted: false, user_id: 7, user_name: 'Sam', user_email: 'Sam@Example.com', client_id: clientId },
      }),
    ),
};

function directory(verdict: IssuerFacts['directory']): DirectorySource & { refreshed: number; asked: string[] } {
  const source = {
    refreshed: 0,
    asked: [] as string[],
    problem: null,
    verdict(email: string) {
      source.asked.push(email);
      return verdict;
    },
    refresh() {
      source.refreshed += 1;
      return Promise.resolve();
    },
  };
  return source;
}

const job = {
  name: 'token',
  attemptsStarted: 1,
  data: {
    runKey: 'run-1',
    evaluatedAt: NOW,
    ref: { clientId: 456, tokenId: 301, apiKeyEnv: 'GCORE_API_KEY', owner: null, listedName: null, inInventory: true, inventoryDeclared: true, failure: null },
  },
};

const handler = (dir?: DirectorySource) =>
  makeTokenHandler({
    api,
    secrets: createSecrets({ GCORE_API_KEY: '456_key' }),
    policy: { ...DEFAULT_THRESHOLDS, roles: {} },
    rateLimited: () => Promise.reject(new Error('not used')),
    maxRetryAfterMs: 1000,
    longPause: () => Promise.resolve(),
    maxStarts: 3,
    ...(dir === undefined ? {} : { directory: dir }),
  });

describe('the worker token job and the company directory', () => {
  it("refreshes the replica's directory and judges the issuer by it: a left issuer's Administrators token is issuer-left critical, owned by nobody", async () => {
    const left = directory({ status: 'left', leftAt: null });
    const result = await handler(left)(job);
    expect(left.refreshed).toBe(1);
    expect(left.asked).toEqual(['Sam@Example.com']);
    expect(result.findings.map((f) => `${f.rule}:${f.severity}:${f.owner}`)).toEqual(['issuer-left:critical:null']);
  });

  it('finds nothing about the issuer without a directory, or with an active verdict', async () => {
    expect((await handler()(job)).findings).toEqual([]);
    expect((await handler(directory({ status: 'active' }))(job)).findings).toEqual([]);
  });
});
