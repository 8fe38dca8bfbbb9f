import { describe, expect, it } from '@jest/globals';
import { NO_DIRECTORY, normaliseEmail, parseDirectory, parseDirectoryCsv, parseDirectoryJson } from '../../src/core/directory.js';
import { DirectoryError } from '../../src/core/errors.js';

const problem = (f: () => unknown): string => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(DirectoryError);
    return (error as Error).message;
  }
  throw new Error('expected a DirectoryError');
};

describe('the company directory, parsed', () => {
  it('reads email,status[,left_at] with a header, and compares emails case-insensitively', () => {
    const d = parseDirectoryCsv(
      ['email,status,left_at', 'Ann@Example.com,active', '  bob@example.com , LEFT , 2026-10-31', 'cy@example.com,left,2026-11-02T09:30:00+02:00', 'dee@example.com,left', '', '# a comment'].join('\r\n'),
      false,
    );
    expect(d.verdict('ann@example.com')).toEqual({ status: 'active' });
    expect(d.verdict('ANN@EXAMPLE.COM')).toEqual({ status: 'active' });
    expect(d.verdict('Bob@Example.COM')).toEqual({ status: 'left', leftAt: '2026-10-31T00:00:00.000Z' });
    expect(d.verdict('cy@example.com')).toEqual({ status: 'left', leftAt: '2026-11-02T07:30:00.000Z' });
    expect(d.verdict('dee@example.com')).toEqual({ status: 'left', leftAt: null });
  });

  it('does not undo plus-addressing or aliases: that is the directory\'s to list', () => {
    const d = parseDirectoryCsv('ann@example.com,left\n', true);
    expect(d.verdict('ann+ci@example.com')).toEqual({ status: 'absent' });
    expect(normaliseEmail(' A+b@Example.com ')).toBe('a+b@example.com');
  });

  it('calls a person not listed absent only in a directory that lists every active person', () => {
    expect(parseDirectoryCsv('ann@example.com,active', false).verdict('zed@example.com')).toEqual({ status: 'unknown' });
    expect(parseDirectoryCsv('ann@example.com,active', true).verdict('zed@example.com')).toEqual({ status: 'absent' });
    const json = parseDirectoryJson('["Ann@Example.com", "bob@example.com"]');
    expect(json.verdict('ann@example.com')).toEqual({ status: 'active' });
    expect(json.verdict('zed@example.com')).toEqual({ status: 'absent' });
  });

  it('answers unknown for an email it cannot decide, and for everyone when there is no directory', () => {
    const d = parseDirectory('[]', 'json', true);
    expect(d.verdict('')).toEqual({ status: 'unknown' });
    expect(d.verdict('not an email')).toEqual({ status: 'unknown' });
    expect(NO_DIRECTORY.verdict('ann@example.com')).toEqual({ status: 'unknown' });
  });

  it('reads quoted cells', () => {
    expect(parseDirectoryCsv('"ann@example.com","left","2026-10-31"', false).verdict('ann@example.com')).toEqual({ status: 'left', leftAt: '2026-10-31T00:00:00.000Z' });
  });

  it('names every bad row by its line, never by its email', () => {
    const text = ['email,status,left_at', 'ann@example.com,active', 'secret-person@example.com,gone', 'nobody,active', 'x@example.com,left,2026-13-01', 'y@example.com,active,2026-01-01', 'z@example.com', '"w@example.com,left', 'ann@example.com,left'].join('\n');
    const message = problem(() => parseDirectoryCsv(text, false));
    expect(message).toBe(
      'not a valid directory CSV: line 3: status: expected active or left; line 4: email: expected an email address; line 5: left_at: expected a date (2026-10-31) or a timestamp with a zone; line 6: left_at: given for an active person; line 7: expected email,status[,left_at], got 1 column(s); and 2 more',
    );
    expect(message).not.toContain('@');
    expect(problem(() => parseDirectoryCsv('ann@example.com,active\nann@example.com,left', false))).toBe('not a valid directory CSV: line 2: the same email is listed earlier as active');
    expect(problem(() => parseDirectoryCsv('"w@example.com,left', false))).toBe('not a valid directory CSV: line 1: an unterminated or misplaced quote');
  });

  it('refuses JSON that is not a list of emails, naming the entry and not its content', () => {
    expect(problem(() => parseDirectoryJson('{"emails": []}'))).toBe('expected a JSON list of the emails of every active person');
    expect(problem(() => parseDirectoryJson('["a@example.com", 3, "secret@"]'))).toBe('not a valid directory JSON: [1]: expected an email address; [2]: expected an email address');
    expect(problem(() => parseDirectoryJson('["a@example.com",'))).toBe('not valid JSON');
  });
});
