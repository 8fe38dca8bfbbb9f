import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { unlistedKnownTokens } from '../../jobs/run-job.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { TokenRef } from '../../src/pipeline/token-ref.js';

const dir = mkdtempSync(join(tmpdir(), 'run-job-'));
writeFileSync(join(dir, 'audit.yaml'), 'accounts: [{ clientId: 456, tokens: [{ id: 7 }] }, { apiKeyEnv: OTHER_KEY }]\n');
const config = loadConfig(join(dir, 'audit.yaml'), {});

const ref = (clientId: number, tokenId: number, overrides: Partial<TokenRef> = {}): TokenRef => ({
  clientId,
  tokenId,
  apiKeyEnv: clientId === 456 ? 'GCORE_API_KEY' : 'OTHER_KEY',
  owner: null,
  listedName: null,
  inInventory: false,
  inventoryDeclared: false,
  failure: null,
  ...overrides,
});

describe('known tokens a list left out', () => {
  it('get a ref each, read with their account key and named as the state last saw them', () => {
    const known = [
      { clientId: 456, tokenId: 101, name: 'ci' }, // listed: nothing to add
      { clientId: 456, tokenId: 102, name: 'deploy' }, // left out by the list of a configured account
      { clientId: 789, tokenId: 201, name: null }, // account resolved through /me, seen in this run
      { clientId: 999, tokenId: 301, name: 'x' }, // an account no longer configured: no key to read it with
    ];
    const refs = [ref(456, 101), ref(789, 200)];
    expect(unlistedKnownTokens(known, refs, config)).toEqual([
      ref(456, 102, { listedName: 'deploy', inventoryDeclared: true }),
      ref(789, 201),
    ]);
  });

  it('are not read with a key the run found missing or rejected', () => {
    const refs = [ref(789, 200, { failure: 'key rejected' })];
    expect(unlistedKnownTokens([{ clientId: 789, tokenId: 201, name: null }], refs, config)).toEqual([]);
  });

  it('are not read in an account the run found blind: its coverage gap is the one alert', () => {
    const known = [{ clientId: 456, tokenId: 102, name: 'deploy' }];
    expect(unlistedKnownTokens(known, [], config, new Set([456]))).toEqual([]);
    expect(unlistedKnownTokens(known, [], config, new Set([789]))).toHaveLength(1);
  });
});
