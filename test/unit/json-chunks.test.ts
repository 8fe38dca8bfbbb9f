import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { jsonChunks } from '../../src/report/json-chunks.js';

const whole = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

describe('jsonChunks', () => {
  it('joins to exactly JSON.stringify(value, null, 2) and a newline, for any value', () => {
    fc.assert(
      fc.property(fc.anything({ withDate: true, withNullPrototype: true, withObjectString: true }), (value) => {
        expect([...jsonChunks(value)].join('')).toBe(whole(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('joins to the same text for report-shaped objects: arrays of objects under the top level, empty ones, left-out values', () => {
    const report = fc.record({
      runId: fc.string(),
      summary: fc.record({ findings: fc.nat(), bySeverity: fc.dictionary(fc.string(), fc.nat()) }),
      findings: fc.array(fc.record({ id: fc.string(), tokenName: fc.option(fc.string({ unit: 'binary' })), issuer: fc.option(fc.record({ name: fc.string() })) })),
      coverage: fc.array(fc.string({ unit: 'grapheme' })),
      gone: fc.constantFrom(undefined, () => 1, Symbol('s'), { toJSON: () => undefined }),
      sparse: fc.constant([undefined, () => 1, new Date(0), { toJSON: () => 'x' }]),
    });
    fc.assert(fc.property(report, (value) => expect([...jsonChunks(value)].join('')).toBe(whole(value))), { numRuns: 500 });
  });

  it('gives each finding its own piece, so no piece holds the whole report', () => {
    const findings = Array.from({ length: 1000 }, (_, i) => ({ id: `f${i}`, message: 'x'.repeat(100) }));
    const pieces = [...jsonChunks({ runId: 'r', findings, warnings: [] })];
    expect(pieces.length).toBeGreaterThan(1000);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(200);
    expect(pieces.join('')).toBe(whole({ runId: 'r', findings, warnings: [] }));
  });
});
