import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfigOrDefaults } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/core/errors.js';
import { CLI, runCliProcess } from '../support/worker-process.js';

/**
 * The worker parses its configuration file in a thread of its own (README "Performance"): the thread's entry
 * is a built JavaScript file, so this runs the built loader (dist/) and holds it to what every other command
 * reads in place.
 */
const BUILT = resolve('dist/src/config/load-config-in-thread.js');
type Loader = typeof import('../../src/config/load-config-in-thread.js');

const dir = mkdtempSync(join(tmpdir(), 'config-thread-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ENV = { GCORE_API_URL: 'http://127.0.0.1:9/', GCORE_API_KEY: 'key-0001', ACME_KEY: 'key-0002', BETA_KEY: 'key-0003', ACME_WEBHOOK: 'https://hooks.slack.com/services/T0/B0/acme' };

/** The thread's answer and the in-place one, each as a config or as its problems. */
async function both(flag: string | undefined, env: NodeJS.ProcessEnv = ENV) {
  const inPlace = (() => {
    try {
      return loadConfigOrDefaults(flag, env);
    } catch (error) {
      return { problems: (error as ConfigError).problems };
    }
  })();
  const inThread = await built.loadConfigOrDefaultsInThread(flag, env).catch((error: unknown) => {
    // The built ConfigError is dist's class, not this one: judged by its code.
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return { problems: (error as ConfigError).problems };
  });
  return { inPlace, inThread };
}

let built: Loader;
beforeAll(async () => {
  if (!existsSync(BUILT)) {
    throw new Error(`${BUILT} is missing: run "npm run build" first (npm test does)`);
  }
  built = (await import(pathToFileURL(BUILT).href)) as Loader;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the configuration read in a thread', () => {
  it('is the configuration read in place: accounts, mutes with their instants, routes, renamed rules and notices', async () => {
    const path = file(
      'full.yaml',
      [
        'schedule: { cron: "15 3 * * *", timezone: Europe/Luxembourg }',
        'gcore: { concurrency: 4 }',
        'accounts:',
        '  - { clientId: 456, name: acme, apiKeyEnv: ACME_KEY, tokens: [1, { id: 2, owner: ops }] }',
        '  - clientId: 789',
        '    apiKeyEnv: BETA_KEY',
        'mutes:',
        '  list:',
        '    - { rule: never-expiring, clientId: 456, reason: "break-glass token", until: "2027-01-01T12:00:00Z" }',
        'notify:',
        '  slack:',
        '    routes:',
        '      - { name: acme, match: { accounts: [456], rules: [orphaned] }, webhookEnv: ACME_WEBHOOK }',
        '',
      ].join('\n'),
    );
    const { inPlace, inThread } = await both(path);
    expect('config' in inPlace && inPlace.config.accounts).toHaveLength(2);
    expect('config' in inPlace && inPlace.config.gcore.baseUrl).toBe('http://127.0.0.1:9');
    expect('config' in inPlace && inPlace.config.mutes[0]?.until).toEqual(new Date("2027-01-01T12:00:00Z"));
    expect('config' in inPlace && inPlace.config.notices).toEqual([expect.stringContaining('orphaned is the old name of issuer-deleted')]);
    expect(inThread).toEqual(inPlace);
  });

  it.each([
    ['not YAML', 'accounts: [{ clientId: 456\n'],
    ['a duplicate key', 'gcore: { concurrency: 4 }\ngcore: { concurrency: 5 }\n'],
    ['a list, not a mapping', '- clientId: 456\n'],
    ['a scalar', 'accounts\n'],
    ['an unknown key and a bad value', 'gcore: { concurrency: 0, speed: 3 }\n'],
    ['an alias bomb', ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghijk'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghijk'[i]}`).join(', ')}]`), ''].join('\n')],
  ])('refuses %s with the problems read in place', async (_, text) => {
    const { inPlace, inThread } = await both(file('bad.yaml', text));
    expect(inPlace).toEqual({ problems: expect.arrayContaining([expect.any(String)]) as unknown });
    expect(inThread).toEqual(inPlace);
  });

  it('reads an empty file as no section at all, and refuses a file that is not there', async () => {
    const empty = await both(file('empty.yaml', ''));
    expect(empty.inThread).toEqual(empty.inPlace);
    expect('config' in empty.inThread && empty.inThread.config.accounts).toHaveLength(1);
    const missing = await both(join(dir, 'missing.yaml'));
    expect(missing.inPlace).toEqual({ problems: [`${join(dir, 'missing.yaml')}: cannot read the configuration file (ENOENT)`] });
    expect(missing.inThread).toEqual(missing.inPlace);
  });

  it('names no file when none is given and config/audit.yaml is absent: the built-in defaults', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const { inPlace, inThread } = await both(undefined, ENV);
      expect(inThread).toEqual(inPlace);
      expect('path' in inThread && inThread.path).toBeNull();
    } finally {
      process.chdir(cwd);
    }
  });

  it('the worker refuses a bad file as a plain line, exit 2, before it reaches for Redis', async () => {
    const path = file('worker.yaml', 'accounts: [{ clientId: 456 }]\nschedule: { cron: 3 }\nspeed: 1\n');
    const run = await runCliProcess(['worker', '--config', path], { GCORE_API_KEY: 'key-0001', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('schedule.cron');
    expect(run.stderr).toContain('speed');
    expect(existsSync(CLI)).toBe(true);
  });
});
