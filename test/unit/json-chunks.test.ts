import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { jsonChunks, writeJson } from '../../src/app/report/json-chunks.js';

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

/** A stream that takes one piece at a time, and only when `release` is called: a reader slower than the writer. */
function slowReader() {
  const received: string[] = [];
  const waiting: (() => void)[] = [];
  let queuedMax = 0;
  const out = new Writable({
    highWaterMark: 1024,
    decodeStrings: false,
    write(chunk: string, _encoding, callback) {
      received.push(chunk);
      waiting.push(() => callback());
    },
  });
  const release = () => waiting.shift()?.();
  const track = () => (queuedMax = Math.max(queuedMax, out.writableLength));
  return { out, received, release, track, queuedMax: () => queuedMax };
}

describe('writeJson', () => {
  const report = { runId: 'r', findings: Array.from({ length: 3000 }, (_, i) => ({ id: `f${i}`, message: 'x'.repeat(100) })) };

  it('writes the same text as JSON.stringify in pieces of about 64 KB to a plain collector', async () => {
    const pieces: string[] = [];
    await writeJson({ write: (t) => pieces.push(t) }, report);
    expect(pieces.join('')).toBe(whole(report));
    expect(pieces.length).toBeGreaterThan(1);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(65_536 + 200);
  });

  it('waits for drain: never more than one piece is queued for a slow reader', async () => {
    const r = slowReader();
    const done = writeJson(r.out, report);
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      r.track();
      r.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    r.track();
    expect(r.received.join('')).toBe(whole(report));
    expect(r.received.length).toBeGreaterThan(5);
    // One 64 KB piece in the stream's buffer at most; without waiting for drain, the whole report (~450 KB).
    expect(r.queuedMax()).toBeLessThan(70_000);
  });

  it('stops, without hanging, when the reader goes away (`| head`)', async () => {
    const r = slowReader();
    const done = writeJson(r.out, report);
    await new Promise((resolve) => setImmediate(resolve));
    r.out.destroy();
    await done;
    expect(r.received.length).toBe(1);
  });
});
