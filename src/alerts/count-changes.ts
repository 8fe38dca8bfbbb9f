import type { AlertState } from './plan-alerts.js';

/**
 * How a run moved the findings, by finding id (a finding sent to several routes counts once): new ones were
 * not open before the run, resolved ones are open no more, open is every finding open after it, muted included.
 */
export function countChanges(
  previous: Iterable<AlertState>,
  open: Iterable<AlertState>,
): { readonly new: number; readonly resolved: number; readonly open: number } {
  const before = new Set([...previous].map((s) => s.finding.id));
  const after = new Set([...open].map((s) => s.finding.id));
  let added = 0;
  for (const id of after) {
    if (!before.has(id)) {
      added += 1;
    }
  }
  let resolved = 0;
  for (const id of before) {
    if (!after.has(id)) {
      resolved += 1;
    }
  }
  return { new: added, resolved, open: after.size };
}
