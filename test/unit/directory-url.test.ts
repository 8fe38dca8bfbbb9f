import { describe, expect, it } from '@jest/globals';
import { directoryFormatOf, directoryUrlProblem } from '../../src/config/directory-url.js';

// The company directory's URL carries its bearer token: https only (http to a loopback stand-in), no
// credentials in the URL, and the problem never quotes the URL.
describe('directoryUrlProblem', () => {
  it('takes https anywhere and http only to a loopback address', () => {
    expect(directoryUrlProblem('https://hr.example.com/people.csv')).toBeNull();
    expect(directoryUrlProblem('http://127.0.0.1:8080/people')).toBeNull();
    expect(directoryUrlProblem('http://hr.example.com/people.csv')).toBe('expected an https:// URL (http:// only to a loopback address)');
  });

  it('refuses any other scheme, even to a loopback address', () => {
    expect(directoryUrlProblem('ftp://127.0.0.1/people.csv')).toBe('expected an https:// URL (http:// only to a loopback address)');
    expect(directoryUrlProblem('file:///etc/people.csv')).toBe('expected an https:// URL (http:// only to a loopback address)');
  });

  it('refuses a user name or a password in the URL, either alone', () => {
    const problem = 'expected a URL without credentials (name the bearer token in tokenEnv)';
    expect(directoryUrlProblem('https://user@hr.example.com/a.csv')).toBe(problem);
    expect(directoryUrlProblem('https://:secret@hr.example.com/a.csv')).toBe(problem);
  });

  it('says what it expects of text that is no URL, without quoting it', () => {
    expect(directoryUrlProblem('hr.example.com/people.csv')).toBe('expected an https:// URL');
    expect(directoryUrlProblem('')).toBe('expected an https:// URL');
  });
});

describe('directoryFormatOf', () => {
  it('reads the format from the name, in any case, else none', () => {
    expect(directoryFormatOf('/etc/hr/people.CSV')).toBe('csv');
    expect(directoryFormatOf('active.Json')).toBe('json');
    expect(directoryFormatOf('/people')).toBeNull();
    expect(directoryFormatOf('people.csv.bak')).toBeNull();
  });
});
