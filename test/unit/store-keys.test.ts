import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ROUTE, storeKeys } from '../../src/store/store-keys.js';

// The Redis key names are a contract with the data a running worker already holds: a renamed key is state
// silently lost at the next upgrade (every open finding alerted again, mutes forgotten, revocations unknown).
describe('store keys', () => {
  const keys = storeKeys('{gta}');

  it('keeps the names of the worker\'s state (a new key may be added; none renamed)', () => {
    expect(keys).toMatchObject({
      findings: '{gta}:alerts:findings',
      version: '{gta}:alerts:version',
      counts: '{gta}:alerts:open-counts',
      lastSuccess: '{gta}:alerts:last-success',
      coverage: '{gta}:alerts:coverage',
      mutes: '{gta}:alerts:mutes',
      muteEvents: '{gta}:alerts:mute-events',
      doneChannel: '{gta}:alerts:run-done',
      runs: '{gta}:alerts:runs',
      history: '{gta}:alerts:history',
      oldestOpen: '{gta}:alerts:oldest-open',
      historySlack: '{gta}:alerts:history-slack',
      deadLetterRoutes: '{gta}:alerts:dead-letter-routes',
      routeFailures: '{gta}:alerts:route-failures',
      issuersLatest: '{gta}:alerts:issuers-latest',
      revocations: '{gta}:revoke:requests',
      revocationCounts: '{gta}:revoke:counts',
      revocationsFinished: '{gta}:revoke:finished',
      revocationLapses: '{gta}:revoke:lapses-untold',
    });
  });

  it('keeps the names of per-run and per-account keys', () => {
    expect(keys.run('r1')).toBe('{gta}:alerts:run:r1');
    expect(keys.runPending('r1')).toBe('{gta}:alerts:run-pending:r1');
    expect(keys.stage('r1', '2')).toBe('{gta}:alerts:stage:r1:2');
    expect(keys.stageRun('r1', '2')).toBe('{gta}:alerts:stage-run:r1:2');
    expect(keys.refused('r1')).toBe('{gta}:alerts:refused:r1');
    expect(keys.issuers('r1')).toBe('{gta}:alerts:issuers:r1');
    expect(keys.seen(456)).toBe('{gta}:sentinel:seen:456');
    // A Slack action's keys: a digest of the payload's ids, never their text.
    expect(keys.actionDone('3f2a')).toBe('{gta}:actions:done:3f2a');
    expect(keys.actionMessage('3f2a')).toBe('{gta}:actions:message:3f2a');
  });

  it('keeps the default route\'s original names and gives any other route its own', () => {
    expect(DEFAULT_ROUTE).toBe('default');
    expect([keys.outbox(DEFAULT_ROUTE), keys.outboxLock(DEFAULT_ROUTE), keys.deadLetters(DEFAULT_ROUTE), keys.digest('r1', DEFAULT_ROUTE)]).toEqual([
      '{gta}:alerts:outbox',
      '{gta}:alerts:outbox-lock',
      '{gta}:alerts:dead-letters',
      '{gta}:alerts:digest:r1',
    ]);
    expect([keys.outbox('team-a'), keys.outboxLock('team-a'), keys.deadLetters('team-a'), keys.digest('r1', 'team-a')]).toEqual([
      '{gta}:alerts:outbox:team-a',
      '{gta}:alerts:outbox-lock:team-a',
      '{gta}:alerts:dead-letters:team-a',
      '{gta}:alerts:digest:r1:team-a',
    ]);
  });

  it('puts every key under the prefix, so a {hash tag} keeps them in one Redis Cluster slot', () => {
    const all = [
      ...Object.values(keys).filter((v): v is string => typeof v === 'string'),
      keys.run('r'), keys.seen(1), keys.outbox('x'), keys.digest('r', 'x'), keys.stage('r', '1'),
    ];
    expect(all.every((key) => key.startsWith('{gta}:'))).toBe(true);
  });
});
