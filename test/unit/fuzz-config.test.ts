import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/core/errors.js';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { Config } from '../../src/config/config.js';

const full = parse(readFileSync('config/examples/full.yaml', 'utf8')) as Record<string, unknown>;

/** Every path of the example document, as key lists. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') {
    return [prefix];
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}
const ALL = paths(full).filter((p) => p.length > 0);

/** The scalar leaves of a document (empty lists and mappings have none). */
function leaves(value: unknown, prefix: (string | number)[] = []): [(string | number)[], unknown][] {
  if (value === null || typeof value !== 'object') {
    return [[prefix, value]];
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => leaves(v, [...prefix, k]));
}

/** Where the parsed Config holds the value written at `path` of the document. */
function parsedAt(config: Config, path: (string | number)[]): unknown {
  const [section, i, field, j] = path;
  if (section === 'accounts' && field === 'tokens' && path.length === 4) {
    return (config.accounts[i as number]?.tokens[j as number] as { id: number } | undefined)?.id; // `101` is { id: 101, owner: null }
  }
  if (section === 'mutes' && field === 'until') {
    return config.mutes[i as number]?.untilText;
  }
  let at: unknown = config;
  for (const k of path) {
    at = (at as Record<string | number, unknown> | undefined)?.[k];
  }
  return at;
}

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(null, -1, 0, 1.5, 'ninety', '', [], {}, { bogus: 1 }, 'x'.repeat(10_000), '2027-13-45', '* * *'),
);

function mutated(path: (string | number)[], value: unknown, addKey: string | null): unknown {
  const doc = structuredClone(full) as Record<string | number, unknown>;
  let obj = doc;
  for (const k of path.slice(0, -1)) {
    obj = obj[k] as Record<string | number, unknown>;
  }
  const last = path.at(-1) as string | number;
  if (addKey !== null && obj[last] !== null && typeof obj[last] === 'object' && !Array.isArray(obj[last])) {
    (obj[last] as Record<string, unknown>)[addKey] = value;
  } else {
    obj[last] = value;
  }
  return doc;
}

describe('fuzz: configuration', () => {
  it('every malformed document is refused with problems that each name their path; an accepted one means what it says', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...ALL), junk, fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: null }), (path, value, addKey) => {
        const doc = mutated(path, value, addKey);
        try {
          const config = parseConfig(doc, {});
          accepted += 1;
          // Accepted: every value written, the mutated one included, is in the Config as written.
          for (const [leaf, written] of leaves(doc)) {
            expect({ leaf, value: parsedAt(config, leaf) }).toEqual({ leaf, value: written });
          }
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          const problems = (error as ConfigError).problems;
          expect(problems.length).toBeGreaterThan(0);
          for (const p of problems) {
            // the problem sits in the section that was broken
            expect(p.startsWith(String(path[0]))).toBe(true);
            expect(p).toMatch(/^\S.*: \S/);
          }
        }
      }),
      { numRuns: 1500, seed: 3 },
    );
    expect(accepted).toBeGreaterThan(10); // the branch above ran
  });

  it('the command line answers any file with exit 2 and plain lines, never JSON or a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfgfuzz-'));
    const text = readFileSync('config/examples/full.yaml', 'utf8');
    const variants = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.tuple(fc.nat(text.length), fc.nat(40), fc.string({ maxLength: 20 })).map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut)),
    );
    await fc.assert(
      fc.asyncProperty(variants, async (yamlText) => {
        const file = join(dir, 'audit.yaml');
        writeFileSync(file, yamlText);
        let stdout = '';
        let stderr = '';
        // No key anywhere: a valid file ends in "nothing was audited", with no request made.
        const code = await runCli(['audit', '--config', file], {
          stdout: { write: (s: string) => (stdout += s) },
          stderr: { write: (s: string) => (stderr += s) },
          env: { GCORE_API_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'warn' },
          logDestination: { write: (s: string) => (stderr += s) },
        });
        expect(code).toBe(2);
        expect(stdout).toBe('');
        const lines = stderr.trimEnd().split('\n');
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          expect(line).toMatch(/^gcore-token-audit: \S/);
        }
      }),
      { numRuns: 150, seed: 11 },
    );
  });
});
