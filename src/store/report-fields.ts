import type { RedisClient } from './redis-connection.js';
import type { Finding } from '../core/finding.js';
import { compareFindings, type Report } from '../core/report.js';
import { inChunks } from '../core/in-chunks.js';

/**
 * A run's report in its record, in pieces: `report:shell` (the report, its findings left empty),
 * `report:chunks` (how many pieces) and `report:findings:<i>` (the i-th slice of the findings, a JSON array).
 * A report of 100,000 tokens is about 23 MB of JSON: written as one string it was the report job's peak
 * memory (the text, then ioredis's copy of it); in pieces only one slice's text exists at a time.
 * A record written before (one `report` field, the whole report) is still read.
 */
export const FINDINGS_PER_CHUNK = 1_000;

const SHELL = 'report:shell';
const CHUNKS = 'report:chunks';
const chunkField = (i: number) => `report:findings:${i}`;

/**
 * The fields to write, one slice at a time: the shell and the count last, once every slice is out. `first`:
 * slices written before (findingSlices), the report's own findings then follow them.
 */
export function* reportFields(report: Report, perChunk = FINDINGS_PER_CHUNK, first = 0): Generator<[string, string]> {
  let n = first;
  for (const field of findingSlices(report.findings, first, perChunk)) {
    yield field;
    n += 1;
  }
  // The findings left empty in place, so the report read back has its keys in the order written.
  yield [SHELL, JSON.stringify({ ...report, findings: [] })];
  yield [CHUNKS, String(n)];
}

/** Slices of findings written ahead of their report (the worker's, as its results are read): fields from slice `first` on. */
export function* findingSlices(findings: readonly Finding[], first: number, perChunk = FINDINGS_PER_CHUNK): Generator<[string, string]> {
  let n = first;
  for (const slice of inChunks(findings, perChunk)) {
    yield [chunkField(n), JSON.stringify(slice)];
    n += 1;
  }
}

/** Whether the record at `key` holds a report (a sweep's does not), in either form. */
export async function hasReport(redis: RedisClient, key: string): Promise<boolean> {
  return (await redis.hexists(key, SHELL)) === 1 || (await redis.hexists(key, 'report')) === 1;
}

/** The report in the record at `key`, read a slice at a time; null when it holds none. */
export async function readReport(redis: RedisClient, key: string): Promise<Report | null> {
  const [whole, shell, chunks] = await redis.hmget(key, 'report', SHELL, CHUNKS);
  if (whole) {
    return JSON.parse(whole) as Report; // written by a version before the pieces
  }
  if (!shell) {
    return null;
  }
  const report = JSON.parse(shell) as Report;
  const findings: Finding[] = report.findings;
  const n = Number(chunks ?? 0);
  for (let i = 0; i < n; i += 1) {
    const slice = await redis.hget(key, chunkField(i));
    if (slice === null) {
      // The record is renamed into place whole and expires whole: a missing slice is damage, never shown as fewer findings.
      throw new Error(`the report in ${key} lacks its findings slice ${i} of ${n}`);
    }
    for (const finding of JSON.parse(slice) as Finding[]) {
      findings.push(finding);
    }
  }
  // A worker writes its findings as its results come, in no order: read, they are in the report's order.
  findings.sort(compareFindings);
  return report;
}
