/**
 * `JSON.stringify(value, null, 2)` and a newline, as a sequence of pieces: one per element of each array
 * directly under the top-level object. A report of 100,000 tokens is about 23 MB of JSON; written in one
 * piece it is built as a string, concatenated and copied into a buffer, and that spike was most of
 * `audit`'s peak memory. Written piece by piece, only one finding's text exists at a time.
 */
export function* jsonChunks(value: unknown): Generator<string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || hasToJSON(value)) {
    yield `${JSON.stringify(value, null, 2)}\n`;
    return;
  }
  const entries = Object.entries(value).filter(([, v]) => !omitted(v));
  if (entries.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{';
  for (const [i, [key, v]] of entries.entries()) {
    yield `${i === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `;
    if (Array.isArray(v) && v.length > 0 && !hasToJSON(v)) {
      for (const [j, element] of v.entries()) {
        yield `${j === 0 ? '[' : ','}\n    ${indent(JSON.stringify(element, null, 2) ?? 'null', '    ')}`;
      }
      yield '\n  ]';
    } else {
      yield indent(JSON.stringify(v, null, 2), '  ');
    }
  }
  yield '\n}\n';
}

// A JSON text has no raw line breaks inside its strings, so every line break is one of the layout's own.
const indent = (text: string, by: string) => text.replaceAll('\n', `\n${by}`);

// What JSON.stringify leaves out of an object, found without serializing the value to see.
const omitted = (v: unknown) =>
  v === undefined || typeof v === 'function' || typeof v === 'symbol' || (typeof v === 'object' && v !== null && hasToJSON(v) && JSON.stringify(v) === undefined);

const hasToJSON = (value: object) => typeof (value as { toJSON?: unknown }).toJSON === 'function';

/** What the JSON is written to: process.stdout, or anything with `write` (a test's collector). */
export interface JsonOut {
  write(text: string): unknown;
  once?(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  off?(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  readonly destroyed?: boolean;
}

/**
 * Writes `jsonChunks(value)` in pieces of about 64 KB (one write per finding would be one system call each),
 * waiting for 'drain' when the stream asks: stdout to a pipe is asynchronous, and a reader slower than the
 * audit would otherwise see the whole report queued in memory (63 MB more peak RSS at 100,000 tokens).
 * A reader that goes away (`| head`) ends the writing, quietly.
 */
export async function writeJson(out: JsonOut, value: unknown): Promise<void> {
  let pending = '';
  for (const chunk of jsonChunks(value)) {
    pending += chunk;
    if (pending.length >= 65_536) {
      if (!(await written(out, pending))) {
        return;
      }
      pending = '';
    }
  }
  if (pending !== '') {
    await written(out, pending);
  }
}

/** false once the stream is gone. */
async function written(out: JsonOut, text: string): Promise<boolean> {
  // A collector without events never asks to wait (and could not say when to go on).
  if (out.write(text) === false && out.once !== undefined && out.off !== undefined) {
    const events = ['drain', 'close', 'error'] as const;
    await new Promise<void>((resolve) => {
      const done = () => {
        events.forEach((event) => out.off?.(event, done));
        resolve();
      };
      events.forEach((event) => out.once?.(event, done));
    });
  }
  return out.destroyed !== true;
}
