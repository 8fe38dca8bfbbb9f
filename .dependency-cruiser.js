/**
 * Import direction (README "Where things live"): core <- gcore, alerts <- config <- store <- run <- jobs <- app.
 * Each layer may import only the layers listed before it. The rules name the TARGET folders and, until the
 * files are moved, today's folders mapped to their layer (rules -> core, slack -> alerts, queue -> store,
 * pipeline -> run, cli/worker/health/report -> app), so the check holds on both layouts; the move drops those.
 */
const layer = {
  core: ['src/core/'],
  gcore: ['src/gcore/'],
  alerts: ['src/alerts/'],
  config: ['src/config/'],
  store: ['src/store/'],
  run: ['src/run/'],
  jobs: ['jobs/'],
  app: ['src/app/'],
};
const order = ['core', 'gcore', 'alerts', 'config', 'store', 'run', 'jobs', 'app'];
const re = (names) => `^(${names.flatMap((n) => layer[n]).join('|')})`;

/** A layer may not import any layer after it; gcore and alerts are siblings and do not import each other. */
const upward = order.slice(0, -1).map((name, i) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} may import only layers below it (core <- gcore, alerts <- config <- store <- run <- jobs <- app)`,
  severity: 'error',
  from: { path: re([name]) },
  to: {
    path: re(order.slice(i + 1).filter((n) => !(name === 'gcore' && n === 'alerts'))),
    dependencyTypesNot: ['npm', 'npm-dev', 'core'],
  },
}));

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import circles make layers meaningless and module start-up order fragile',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      comment: 'core is pure: nothing of ours outside core',
      severity: 'error',
      from: { path: re(['core']) },
      to: { path: '^(src|jobs)/', pathNot: re(['core']) },
    },
    {
      name: 'gcore-and-alerts-are-siblings',
      comment: 'the Gcore client and the alert lifecycle do not know each other',
      severity: 'error',
      from: { path: re(['alerts']) },
      to: { path: re(['gcore']) },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|coverage|reports|\\.stryker-tmp)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
