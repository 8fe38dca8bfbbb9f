import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/core/errors.js';

function problemsOf(document: unknown, env: Record<string, string>): readonly string[] {
  try {
    parseConfig(document, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

describe('GCORE_API_URL', () => {
  it.each(['http://gcore.example', 'http://api.gcore.com/', 'http://10.0.0.1:8080', 'http://128.0.0.1'])('refuses plain http to %s', (url) => {
    const problems = problemsOf({}, { GCORE_API_URL: url });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^GCORE_API_URL: expected an https:\/\/ URL \(plain http:\/\/ only to a loopback host\)/);
  });

  it('refuses credentials in the URL, a user or a password alone too', () => {
    for (const url of ['https://user:pw@api.gcore.com', 'https://42_key@api.gcore.com', 'https://:pw@api.gcore.com']) {
      expect(problemsOf({}, { GCORE_API_URL: url })).toEqual(['GCORE_API_URL: expected a URL without credentials (the key is sent as a header)']);
    }
  });

  it.each(['https://api.gcore.com', 'https://gcore.example:8443/base/', 'http://127.0.0.1:9', 'http://127.8.9.10', 'http://localhost:3000', 'http://[::1]:8080'])(
    'accepts %s',
    (url) => {
      expect(parseConfig({}, { GCORE_API_URL: url }).gcore.baseUrl).toBe(url.replace(/\/+$/, ''));
    },
  );

  it('defaults to https://api.gcore.com', () => {
    expect(parseConfig({}, {}).gcore.baseUrl).toBe('https://api.gcore.com');
  });
});

describe('gcore.maxTokensPerAccount', () => {
  it('defaults to 1000 and takes any integer of at least 1', () => {
    expect(parseConfig({}, {}).gcore.maxTokensPerAccount).toBe(1000);
    expect(parseConfig({ gcore: { maxTokensPerAccount: 1 } }, {}).gcore.maxTokensPerAccount).toBe(1);
  });

  it.each([0, -5, 1.5, 'many'])('refuses %p', (value) => {
    const problems = problemsOf({ gcore: { maxTokensPerAccount: value } }, {});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^gcore\.maxTokensPerAccount: /);
  });
});
