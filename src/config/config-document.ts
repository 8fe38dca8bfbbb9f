import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, toError } from '../core/errors.js';
import { readSmallFile, type UnreadableFileError } from './read-small-file.js';

/** A YAML error's first line: what follows is a frame of the file's text around the fault. */
const firstLine = (message: string): string => message.replace(/\n[\s\S]*/, '');

/**
 * The YAML file at `path` as a mapping (null when empty), not yet validated: `loadConfig` validates it, and the
 * worker reads it in a thread of its own (`loadConfigOrDefaultsInThread`). Throws ConfigError naming the file and the fault.
 */
export function configDocument(path: string): object | null {
  let text: string;
  try {
    text = readSmallFile(path);
  } catch (error) {
    // readSmallFile throws nothing but UnreadableFileError.
    throw new ConfigError([`${path}: cannot read the configuration file (${(error as UnreadableFileError).reason})`]);
  }
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const pos = error.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : 'somewhere';
      throw new ConfigError([`${path}: not valid YAML at ${where}: ${firstLine(error.message)}`]);
    }
    // The yaml library refuses an alias bomb (and other resource exhaustion) with a plain error.
    throw new ConfigError([`${path}: not valid YAML: ${firstLine(toError(error).message)}`]);
  }
  // An empty file is null: an object to typeof, read as no section at all.
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([`${path}: expected a mapping of sections (schedule, gcore, accounts, ...)`]);
  }
  return document;
}
