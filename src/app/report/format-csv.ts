// The CSV writer is pure and shared with the evidence folders (src/core/csv.ts); kept here for its callers.
export { formatCsv } from '../../core/csv.js';
