import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config/load-config.js';
import { muteMatches } from '../../src/core/mute.js';
import { configProblems as problems } from '../support/config-problems.js';

describe('configuration: issuers', () => {
  it('has no directory and no dormant rule by default', () => {
    const c = parseConfig({}, {});
    expect(c.issuers).toEqual({ directory: null });
    expect(c.policy.dormantAfterDays).toBeUndefined();
    expect(c.notices).toEqual([]);
  });

  it('reads a file directory, its format from its name, and the dormant limit into the policy', () => {
    const c = parseConfig({ issuers: { directory: { file: '/etc/hr/people.CSV' }, dormantAfterDays: 60 } }, {});
    expect(c.issuers?.directory).toEqual({ file: '/etc/hr/people.CSV', url: null, tokenEnv: null, format: 'csv', listsEveryActive: false, refreshMinutes: 60 });
    expect(c.policy.dormantAfterDays).toBe(60);
    expect(parseConfig({ issuers: { directory: { file: 'p.csv', listsEveryActive: true } } }, {}).issuers?.directory?.listsEveryActive).toBe(true);
  });

  it('reads a URL directory with its bearer variable; a JSON list always lists every active person', () => {
    const c = parseConfig({ issuers: { directory: { url: 'https://hr.example.com/active.json?x=1', tokenEnv: 'HR_TOKEN', refreshMinutes: 15 } } }, {});
    expect(c.issuers?.directory).toEqual({ file: null, url: 'https://hr.example.com/active.json?x=1', tokenEnv: 'HR_TOKEN', format: 'json', listsEveryActive: true, refreshMinutes: 15 });
    expect(parseConfig({ issuers: { directory: { url: 'http://127.0.0.1:8080/people', format: 'csv' } } }, {}).issuers?.directory?.format).toBe('csv');
  });

  it('names every bad value with its path', () => {
    expect(problems({ issuers: { directory: {} } })).toEqual(['issuers.directory: name either a file or a url', 'issuers.directory.format: required when the name does not end in .csv or .json']);
    expect(problems({ issuers: { directory: { file: 'a.csv', url: 'https://x.example/a.csv' } } })).toEqual(['issuers.directory: name either a file or a url']);
    expect(problems({ issuers: { directory: { url: 'http://hr.example.com/a.csv' } } })).toEqual([
      'issuers.directory.url: expected an https:// URL (http:// only to a loopback address)',
    ]);
    expect(problems({ issuers: { directory: { url: 'https://u:p@hr.example.com/a.csv' } } })).toEqual([
      'issuers.directory.url: expected a URL without credentials (name the bearer token in tokenEnv)',
    ]);
    expect(problems({ issuers: { directory: { file: 'a.csv', tokenEnv: 'HR_TOKEN' } } })).toEqual(['issuers.directory.tokenEnv: only with url']);
    expect(problems({ issuers: { directory: { file: 'a.json', listsEveryActive: false } } })).toEqual([
      'issuers.directory.listsEveryActive: a JSON directory is the list of every active person',
    ]);
    expect(problems({ issuers: { dormantAfterDays: 0, other: 1 } })).toEqual(['issuers.dormantAfterDays: expected more than 0, got 0', 'issuers.other: unknown key']);
  });

  it('refuses a bearer variable that holds something else', () => {
    expect(problems({ issuers: { directory: { url: 'https://hr.example.com/a.csv', tokenEnv: 'SLACK_WEBHOOK_URL' } } })).toEqual([
      'issuers.directory.tokenEnv: SLACK_WEBHOOK_URL is read by gcore-token-audit for something else (the default Slack webhook): name a variable of its own',
    ]);
    const clash = problems({
      accounts: [{ clientId: 1, apiKeyEnv: 'SHARED' }],
      issuers: { directory: { url: 'https://hr.example.com/a.csv', tokenEnv: 'SHARED' } },
    });
    expect(clash).toEqual([
      "issuers.directory.tokenEnv: SHARED holds the Gcore API key of account 1 (accounts[0].apiKeyEnv), not the company directory's bearer token: name a variable of its own for each",
    ]);
  });
});

describe('orphaned, the old name of issuer-deleted', () => {
  it('is accepted in mutes and routes, read as issuer-deleted, with a notice at load', () => {
    const c = parseConfig(
      {
        mutes: [{ rule: 'orphaned', reason: 'known', until: '2099-01-01' }],
        notify: { slack: { routes: [{ name: 'people', webhookEnv: 'PEOPLE_HOOK', match: { rules: ['stale', 'orphaned'] } }] } },
      },
      {},
    );
    expect(c.mutes[0]?.rule).toBe('issuer-deleted');
    expect(c.notify.slack.routes[0]?.match.rules).toEqual(['stale', 'issuer-deleted']);
    expect(c.notices).toEqual([
      'mutes[0].rule: orphaned is the old name of issuer-deleted, read as issuer-deleted: rename it (the old name goes in the next release)',
      'notify.slack.routes[0].match.rules[1]: orphaned is the old name of issuer-deleted, read as issuer-deleted: rename it (the old name goes in the next release)',
    ]);
  });

  it('is read as issuer-deleted in remediation.quarantine too, with a notice naming the entry', () => {
    const c = parseConfig({ remediation: { enabled: true, apiKeyEnv: 'DELETE_KEY', quarantine: [{ rule: 'stale', afterHours: 1 }, { rule: 'orphaned', afterHours: 24 }] } }, {});
    expect(c.remediation?.quarantine?.map((q) => q.rule)).toEqual(['stale', 'issuer-deleted']);
    expect(c.notices).toEqual([
      'remediation.quarantine[1].rule: orphaned is the old name of issuer-deleted, read as issuer-deleted: rename it (the old name goes in the next release)',
    ]);
  });

  it('still mutes issuer-deleted from a mute kept under the old name', () => {
    const f = { rule: 'issuer-deleted', clientId: 1, tokenId: 2 } as const;
    expect(muteMatches({ rule: 'orphaned', clientId: 1, tokenId: null }, f)).toBe(true);
    expect(muteMatches({ rule: 'orphaned', clientId: 1, tokenId: null }, { ...f, rule: 'stale' })).toBe(false);
  });
});
