import { mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { MAX_FILE_BYTES, readSmallFile, UnreadableFileError } from '../../src/config/read-small-file.js';

// The configuration file and every `*_FILE` secret go through readSmallFile: a regular file of at most 1 MB,
// read whole, or an UnreadableFileError saying why; never a block on a FIFO, never an endless read.
// Its real path: what /proc/self/fd links to.
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'small-file-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, contents: string): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

function reason(path: string): string {
  try {
    readSmallFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(UnreadableFileError);
    return (error as UnreadableFileError).reason;
  }
  throw new Error(`expected ${path} to be refused`);
}

/** What this process's file descriptors point at (Linux); one may close while it is read. */
function openPaths(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

describe('readSmallFile', () => {
  it('reads a file of exactly 1 MB whole, as UTF-8', () => {
    const exact = file('exact-1mb', `é${'k'.repeat(MAX_FILE_BYTES - 2)}`);
    expect(statSync(exact).size).toBe(MAX_FILE_BYTES);
    const read = readSmallFile(exact);
    expect(read.length).toBe(MAX_FILE_BYTES - 1);
    expect(read.startsWith('ék')).toBe(true);
    expect(read.endsWith('kk')).toBe(true);
    expect(readSmallFile(file('empty', ''))).toBe('');
  });

  it('refuses one byte more than 1 MB', () => {
    expect(reason(file('over', 'k'.repeat(MAX_FILE_BYTES + 1)))).toBe('larger than 1 MB');
  });

  it('judges the size by what it reads: a /proc file says 0 bytes and holds more than 1 MB', () => {
    expect(statSync('/proc/kallsyms').size).toBe(0);
    expect(reason('/proc/kallsyms')).toBe('larger than 1 MB');
  });

  it('refuses what is not a regular file, a FIFO without waiting on it, and says a missing file\'s errno', () => {
    expect(reason(dir)).toBe('not a regular file');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(reason(fifo)).toBe('not a regular file');
    expect(reason(join(dir, 'missing'))).toBe('ENOENT');
  });

  it('leaves no file open, whether it read the file or refused it', () => {
    const small = file('small', 'key');
    const big = file('big', 'k'.repeat(MAX_FILE_BYTES + 1));
    expect(readSmallFile(small)).toBe('key');
    expect(reason(big)).toBe('larger than 1 MB');
    expect(reason('/proc/kallsyms')).toBe('larger than 1 MB');
    // Other descriptors of the test process come and go; none of these three may stay.
    expect(openPaths().filter((p) => [small, big, '/proc/kallsyms'].includes(p))).toEqual([]);
  });
});
