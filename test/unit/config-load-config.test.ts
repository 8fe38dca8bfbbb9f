import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadConfig, loadConfigOrDefaults, parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/core/errors.js';

// Where a command's configuration comes from, and what loadConfig makes of files that are no mapping.
const root = mkdtempSync(join(tmpdir(), 'load-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
}

/** Runs `fn` with `dir` as the working directory (config/audit.yaml is looked for there). */
function inDirectory<T>(dir: string, fn: () => T): T {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return fn();
  } finally {
    process.chdir(before);
  }
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfigOrDefaults', () => {
  const empty = join(root, 'empty');
  const withDefault = join(root, 'with-default');
  mkdirSync(empty);
  mkdirSync(join(withDefault, 'config'), { recursive: true });
  writeFileSync(join(withDefault, 'config', 'audit.yaml'), 'runs:\n  keep: 7\n');
  const named = file('named.yaml', 'runs:\n  keep: 9\n');

  it('takes the built-in defaults when nothing is named and config/audit.yaml does not exist', () => {
    for (const env of [{}, { TOKEN_AUDIT_CONFIG: '' }]) {
      const { config, path } = inDirectory(empty, () => loadConfigOrDefaults(undefined, env));
      expect(path).toBeNull();
      expect(config).toEqual(parseConfig({}, {}));
    }
  });

  it('reads config/audit.yaml when it exists and nothing else is named', () => {
    const { config, path } = inDirectory(withDefault, () => loadConfigOrDefaults(undefined, {}));
    expect(path).toBe('config/audit.yaml');
    expect(config.runs.keep).toBe(7);
  });

  it('reads the file --config or TOKEN_AUDIT_CONFIG names, which must exist', () => {
    for (const [flag, env] of [[named, {}], [undefined, { TOKEN_AUDIT_CONFIG: named }]] as const) {
      const { config, path } = inDirectory(withDefault, () => loadConfigOrDefaults(flag, env));
      expect(path).toBe(named);
      expect(config.runs.keep).toBe(9);
    }
    const missing = join(root, 'missing.yaml');
    expect(inDirectory(empty, () => problemsOf(() => loadConfigOrDefaults(missing, {})))).toEqual([`${missing}: cannot read the configuration file (ENOENT)`]);
    expect(inDirectory(empty, () => problemsOf(() => loadConfigOrDefaults(undefined, { TOKEN_AUDIT_CONFIG: missing })))).toEqual([
      `${missing}: cannot read the configuration file (ENOENT)`,
    ]);
  });
});

describe('loadConfig', () => {
  it('reads an empty file as the defaults', () => {
    expect(loadConfig(file('empty.yaml', ''), {})).toEqual(parseConfig({}, {}));
    expect(loadConfig(file('comment.yaml', '# nothing yet\n'), {})).toEqual(parseConfig({}, {}));
  });

  it('refuses a document that is a single value, and a key written twice, with where', () => {
    const scalar = file('scalar.yaml', 'hello\n');
    expect(problemsOf(() => loadConfig(scalar, {}))).toEqual([`${scalar}: expected a mapping of sections (schedule, gcore, accounts, ...)`]);
    const twice = file('twice.yaml', 'runs:\n  keep: 1\nruns:\n  keep: 2\n');
    // The library's first line only: the frame of the file's text after it is left out.
    expect(problemsOf(() => loadConfig(twice, {}))).toEqual([`${twice}: not valid YAML at line 3, column 1: Map keys must be unique at line 3, column 1:`]);
  });
});

describe('GCORE_API_URL', () => {
  it('takes the scheme in any case', () => {
    expect(parseConfig({}, { GCORE_API_URL: 'HTTPS://API.GCORE.COM' }).gcore.baseUrl).toBe('HTTPS://API.GCORE.COM');
  });

  it('drops every trailing slash (paths are joined with one)', () => {
    expect(parseConfig({}, { GCORE_API_URL: 'https://proxy.example/gcore//' }).gcore.baseUrl).toBe('https://proxy.example/gcore');
  });

  it('refuses what is not a URL with a host at its very start', () => {
    for (const url of [' https://api.gcore.com', 'https:///api', 'https://', 'api.gcore.com', 'xhttps://api.gcore.com']) {
      expect(problemsOf(() => parseConfig({}, { GCORE_API_URL: url }))).toEqual(['GCORE_API_URL: expected an http(s) URL']);
    }
  });
});
