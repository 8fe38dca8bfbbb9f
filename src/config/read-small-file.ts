import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** The most the configuration file or a `*_FILE` secret may hold. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Why a file was not read: its errno code, or what it is instead of a small regular file. */
export class UnreadableFileError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function checkRegular(stats: { isFile(): boolean }): void {
  if (!stats.isFile()) {
    throw new UnreadableFileError('not a regular file');
  }
}

/**
 * Reads a regular file of at most 1 MB as UTF-8. A FIFO would block the open (and the process) forever and
 * /dev/zero never ends: stat first, open non-blocking, check the opened file again (it may have been swapped
 * in between) and never read more than the bound. The size is judged by what is read, not by what stat says:
 * a file may grow after the stat, and /proc's files say 0 bytes whatever they hold. Throws only
 * UnreadableFileError.
 */
export function readSmallFile(path: string): string {
  let fd: number | undefined;
  try {
    checkRegular(statSync(path));
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    checkRegular(fstatSync(fd));
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) {
        break;
      }
      length += n;
      if (length > MAX_FILE_BYTES) {
        throw new UnreadableFileError('larger than 1 MB');
      }
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    throw error instanceof UnreadableFileError ? error : new UnreadableFileError((error as NodeJS.ErrnoException).code ?? 'unreadable');
  } finally {
    if (fd !== undefined) {
      closeSync(fd);
    }
  }
}
