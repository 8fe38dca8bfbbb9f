import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { JsonOut } from '../report/json-chunks.js';

/**
 * Runs `print` against stdout, or with `--output FILE` against a temporary file beside FILE that is fsync'd and
 * renamed over it once whole: a reader of FILE sees the old content or the new one, never half of it.
 */
export async function toOutput(path: string | undefined, stdout: JsonOut, print: (out: JsonOut) => Promise<void> | void): Promise<void> {
  if (path === undefined) {
    await print(stdout);
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
  const stream = createWriteStream(tmp, { flags: 'wx' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
    await print(stream);
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
    const handle = await open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    stream.destroy();
    await rm(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) {
      throw new UsageError(`--output ${path}: cannot write it (${code})`, { cause: error });
    }
    throw error;
  }
}
