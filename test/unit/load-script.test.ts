import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { loadScript } from '../../src/store/load-script.js';

describe('loadScript', () => {
  it('reads a Lua script of src/store/lua/ by its name, as text', () => {
    const text = loadScript('commit-sweep');
    expect(text).toBe(readFileSync(new URL('../../src/store/lua/commit-sweep.lua', import.meta.url), 'utf8'));
    expect(text.startsWith('--')).toBe(true); // a Lua comment first: the header naming KEYS and ARGV
  });

  it('a name with no script is an error naming the file', () => {
    expect(() => loadScript('no-such-script')).toThrow(/no-such-script\.lua/);
  });
});
