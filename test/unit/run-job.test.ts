import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { completeListings, makeRunHandler, plannedTokens, unlistedKnownTokens, unlistedSeenTokens } from '../../jobs/run-job.js';
import type { FanOut, RunFlow, RunFlowAccounts, RunFlowHead } from '../../src/store/audit-queues.js';
import { enumeratedAccounts } from '../../src/run/read-rosters.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import { seenChanges } from '../../src/run/seen-changes.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { TokenRef } from '../../src/core/token-ref.js';
import { tokenRef } from '../support/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'run-job-'));
writeFileSync(join(dir, 'audit.yaml'), 'accounts: [{ clientId: 456, tokens: [{ id: 7 }] }, { apiKeyEnv: OTHER_KEY }]\n');
const config = loadConfig(join(dir, 'audit.yaml'), {});

const ref = (clientId: number, tokenId: number, overrides: Partial<TokenRef> = {}): TokenRef =>
  tokenRef(clientId, tokenId, { apiKeyEnv: clientId === 456 ? 'GCORE_API_KEY' : 'OTHER_KEY', ...overrides });

describe('known tokens a list left out', () => {
  it('get a ref each, read with their account key and named as the state last saw them', () => {
    const known = [
      { clientId: 456, tokenId: 101, name: 'ci' }, // listed: nothing to add
      { clientId: 456, tokenId: 102, name: 'deploy' }, // left out by the list of a configured account
      { clientId: 789, tokenId: 201, name: null }, // account resolved through /me, seen in this run
      { clientId: 999, tokenId: 301, name: 'x' }, // an account no longer configured: no key to read it with
    ];
    const refs = [ref(456, 101), ref(789, 200)];
    expect(unlistedKnownTokens(known, plannedTokens(refs), config)).toEqual([
      ref(456, 102, { listedName: 'deploy', inventoryDeclared: true }),
      ref(789, 201),
    ]);
  });

  it('are not read with a key the run found missing or rejected', () => {
    const refs = [ref(789, 200, { failure: 'key rejected' })];
    expect(unlistedKnownTokens([{ clientId: 789, tokenId: 201, name: null }], plannedTokens(refs), config)).toEqual([]);
  });

  it('are not read in an account the run found blind: its coverage gap is the one alert', () => {
    const known = [{ clientId: 456, tokenId: 102, name: 'deploy' }];
    expect(unlistedKnownTokens(known, plannedTokens(), config, new Set([456]))).toEqual([]);
    expect(unlistedKnownTokens(known, plannedTokens(), config, new Set([789]))).toHaveLength(1);
  });
});

describe("the sentinel's state from a run", () => {
  const discoverOff = loadConfig(
    (() => {
      const path = join(dir, 'three.yaml');
      writeFileSync(path, 'gcore: { maxTokensPerAccount: 2 }\naccounts: [{ clientId: 456 }, { clientId: 789, apiKeyEnv: OTHER_KEY, discover: false }, { apiKeyEnv: THIRD_KEY }]\n');
      return path;
    })(),
    {},
  );
  const account = (clientId: number | null, error: string | null = null) => ({ clientId, label: `account ${clientId}`, error, name: null });

  it('counts as complete only the listings of discovering accounts that had no error', () => {
    expect(completeListings(enumeratedAccounts(discoverOff, [account(456), account(789), account(901)]))).toEqual([
      { clientId: 456, apiKeyEnv: 'GCORE_API_KEY', inventoryDeclared: false },
      { clientId: 901, apiKeyEnv: 'THIRD_KEY', inventoryDeclared: false },
    ]);
    expect(completeListings(enumeratedAccounts(discoverOff, [account(456, 'could not list tokens: HTTP 500'), account(789), account(null, 'no key')]))).toEqual([]);
  });

  it('reads the seen ids a complete listing left out, at most maxTokensPerAccount an account, with its key', () => {
    const listed = plannedTokens([ref(456, 101), ref(456, 102)]);
    const seen = new Map([[456, new Set([101, 102, 103, 104, 105])]]);
    const complete = [{ clientId: 456, apiKeyEnv: 'GCORE_API_KEY', inventoryDeclared: true }];
    expect(unlistedSeenTokens(complete, seen, listed, discoverOff)).toEqual([ref(456, 103, { inventoryDeclared: true }), ref(456, 104, { inventoryDeclared: true })]);
    expect(unlistedSeenTokens(complete, new Map(), listed, discoverOff)).toEqual([]); // never recorded: nothing to confirm
    // An account that listed no token at all: every id it had is read, with the account's own key.
    const empty = [{ clientId: 901, apiKeyEnv: 'THIRD_KEY', inventoryDeclared: false }];
    expect(unlistedSeenTokens(empty, new Map([[901, new Set([7])]]), plannedTokens(), discoverOff)).toEqual([ref(901, 7, { apiKeyEnv: 'THIRD_KEY' })]);
  });

  it('adds what the run read, removes only what Gcore said is gone, and leaves unread tokens and other accounts alone', () => {
    const changes = seenChanges(
      [456, 901],
      [
        { clientId: 456, tokenId: 101, status: 'audited', findings: [] },
        { clientId: 456, tokenId: 102, status: 'gone', findings: [] },
        { clientId: 456, tokenId: 103, status: 'failed', findings: [] },
        { clientId: 789, tokenId: 301, status: 'audited', findings: [] },
      ],
    );
    expect(changes).toEqual(
      new Map([
        [456, { present: [101], gone: [102] }],
        [901, { present: [], gone: [] }],
      ]),
    );
  });
});

describe('a retried run job', () => {
  const NOW = new Date('2026-12-05T03:00:00Z');
  const EARLIER = new Date('2026-12-05T02:00:00Z');
  // Account 456 holds tokens 7 (its inventory) and 8; OTHER_KEY's account (789) none.
  const api: GcoreApi = {
    getAccountId: () => Promise.resolve(789),
    listTokens: (clientId) => Promise.resolve(clientId === 456 ? [{ id: 7 }, { id: 8 }] : []),
    getToken: () => Promise.reject(new Error('not asked')),
  };
  /** The run job against queues that record what it adds, as one RunFlow per opened run. */
  const handlerFor = (fanOut: FanOut, options: { config?: typeof config; api?: GcoreApi; events?: string[] } = {}) => {
    const added: RunFlow[] = [];
    const events = options.events ?? [];
    let open: (RunFlowHead & { refs: TokenRef[] }) | null = null;
    const handle = makeRunHandler({
      config: options.config ?? config,
      api: options.api ?? api,
      secrets: { get: () => 'k', known: () => [] },
      queues: {
        fanOutState: () => Promise.resolve(fanOut),
        openRunFlow: (head) => {
          open = { ...head, refs: [] };
          return Promise.resolve();
        },
        addTokenJobs: (_, refs) => {
          events.push(`add ${refs.map((r) => `${r.clientId}:${r.tokenId}`).join(' ')}`);
          open?.refs.push(...refs);
          return Promise.resolve(refs.length);
        },
        closeRunFlow: (runKey, learnt: RunFlowAccounts) => {
          if (open?.runKey !== runKey) {
            throw new Error(`${runKey} was not opened`);
          }
          added.push({ ...open, ...learnt });
          return Promise.resolve();
        },
      },
      states: { knownTokens: () => Promise.resolve([]) },
      issuers: { save: () => Promise.resolve(void events.push('people stored')) },
      clock: () => NOW,
      logger: pino({ level: 'silent' }),
    });
    return { added, run: () => handle({ id: 'manual-1', name: 'run', data: { trigger: 'manual' }, attemptsStarted: 2 }) };
  };

  it('whose earlier attempt stopped between chunks adds the token jobs again, with the times the run started with', async () => {
    const t = handlerFor({ state: 'adding', startedAt: EARLIER, evaluatedAt: EARLIER });
    expect(await t.run()).toEqual({ runKey: 'manual-1', tokens: 2 });
    expect(t.added).toHaveLength(1);
    expect(t.added[0]).toMatchObject({ runKey: 'manual-1', startedAt: EARLIER, evaluatedAt: EARLIER });
    expect(t.added[0]?.refs.map((r) => r.tokenId).sort()).toEqual([7, 8]);
  });

  it('whose earlier attempt added everything adds nothing', async () => {
    const t = handlerFor({ state: 'done' });
    expect(await t.run()).toEqual({ runKey: 'manual-1', tokens: null });
    expect(t.added).toEqual([]);
  });

  it('that finds no report job starts the run now', async () => {
    const t = handlerFor({ state: 'none' });
    await t.run();
    expect(t.added[0]).toMatchObject({ startedAt: NOW, evaluatedAt: NOW });
  });

  it('lists a batch of accounts at a time (gcore.concurrency), storing its people and adding its token jobs before it lists the next', async () => {
    const path = join(dir, 'batches.yaml');
    writeFileSync(path, 'gcore: { concurrency: 2 }\naccounts: [{ clientId: 1 }, { clientId: 2 }, { clientId: 3 }, { apiKeyEnv: OTHER_KEY }]\n');
    const events: string[] = [];
    const batches: GcoreApi = {
      getAccountId: () => Promise.resolve(1), // OTHER_KEY's account turns out to be account 1
      listTokens: (clientId) => {
        events.push(`list ${clientId}`);
        return Promise.resolve([{ id: 10 * clientId }, { id: 10 * clientId + 1 }]);
      },
      getToken: () => Promise.reject(new Error('not asked')),
    };
    const t = handlerFor({ state: 'none' }, { config: loadConfig(path, {}), api: batches, events });
    expect(await t.run()).toEqual({ runKey: 'manual-1', tokens: 6 });
    expect(events).toEqual([
      'list 1', 'list 2', 'people stored', 'add 1:10 1:11 2:20 2:21',
      // The fourth account's key is account 1's too: its tokens are planned already, the first configured wins.
      'list 3', 'list 1', 'people stored', 'add 3:30 3:31',
    ]);
    expect(t.added[0]?.refs.filter((r) => r.clientId === 1).map((r) => r.apiKeyEnv)).toEqual(['GCORE_API_KEY', 'GCORE_API_KEY']);
    // The report job's accounts: every configured one, in the configuration's order.
    expect(t.added[0]?.accounts.map((a) => a.clientId)).toEqual([1, 2, 3, 1]);
  });
});
