import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config/load-config.js';
import { configProblems as problems } from '../support/config-problems.js';

describe('sentinel configuration', () => {
  it('is on by default, every 300 s, from high', () => {
    expect(parseConfig({}, {}).sentinel).toEqual({ everySeconds: 300, minSeverity: 'high' });
    expect(parseConfig({ sentinel: {} }, {}).sentinel).toEqual({ everySeconds: 300, minSeverity: 'high' });
  });

  it('takes its values, and false turns it off', () => {
    expect(parseConfig({ sentinel: { everySeconds: 2, minSeverity: 'critical' } }, {}).sentinel).toEqual({ everySeconds: 2, minSeverity: 'critical' });
    expect(parseConfig({ sentinel: false }, {}).sentinel).toBeNull();
  });

  it('reports bad values with their path', () => {
    expect(problems({ sentinel: { everySeconds: 0 } }).join('\n')).toMatch(/sentinel/);
    expect(problems({ sentinel: { everySeconds: 1.5 } }).join('\n')).toMatch(/sentinel/);
    expect(problems({ sentinel: { minSeverity: 'urgent' } }).join('\n')).toMatch(/sentinel/);
    expect(problems({ sentinel: { every: 5 } }).join('\n')).toMatch(/sentinel/);
    expect(problems({ sentinel: true })).toEqual(['sentinel: expected false or a mapping { everySeconds, minSeverity }, got true']);
    expect(problems({ sentinel: { everySeconds: 0 } })).toEqual(['sentinel.everySeconds: expected at least 1, got 0']);
  });
});
