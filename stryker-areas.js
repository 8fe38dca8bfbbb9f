/* global console, process */
// Mutation score per area from Stryker's JSON report: Stryker's own `thresholds.break` judges the total only,
// and a strong area must not hide a weak one. Exits 1 when any area is under 90 %.
// `node stryker-areas.js [report] [area...]`: by default the report and areas of stryker.config.js;
// `npm run test:mutation:redis` passes those of stryker.redis.config.js.
import { readFileSync } from 'node:fs';

const [reportFile = 'reports/mutation/mutation.json', ...named] = process.argv.slice(2);
const AREAS = named.length > 0 ? named : ['src/core/', 'src/alerts/', 'src/alerts/slack/', 'src/gcore/', 'src/config/'];
const BREAK = 90;
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
let failed = false;
for (const area of AREAS) {
  const n = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 };
  for (const [file, { mutants }] of Object.entries(report.files)) {
    if (file.startsWith(area)) {
      for (const { status } of mutants) {
        n[status in n ? status : 'other'] += 1;
      }
    }
  }
  const detected = n.Killed + n.Timeout;
  const valid = detected + n.Survived + n.NoCoverage;
  const score = valid === 0 ? 0 : (100 * detected) / valid;
  failed ||= score < BREAK;
  if (valid === 0) {
    console.log(`${area.padEnd(26)} no results in the report: run it (its files in --mutate)`);
    continue;
  }
  console.log(
    `${area.padEnd(26)} ${score.toFixed(2).padStart(6)} %  killed ${n.Killed}, timeout ${n.Timeout}, survived ${n.Survived}, no coverage ${n.NoCoverage}` +
      (n.Ignored + n.other > 0 ? `, ignored or disabled ${n.Ignored}, errors ${n.other}` : ''),
  );
}
if (failed) {
  console.error(`mutation score under ${BREAK} % in at least one area`);
  process.exit(1);
}
