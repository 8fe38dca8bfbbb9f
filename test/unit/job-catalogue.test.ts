import { describe, expect, it } from '@jest/globals';

// Imported inside the tests, not at the top: what runs as the module loads (the names, the id builders) is then
// seen by the first test here, which reads every one of them; loaded by the file itself, mutation testing
// would check that code against another file's test that never reads it.
const load = () => import('../../src/store/job-catalogue.js');

// Queue names, scheduler ids and job ids are keys in Redis: one renamed is a queue or a run lost at an upgrade.
describe('the job catalogue', () => {
  it('names the queues and schedulers as every version before did, and builds job ids as they did', async () => {
    const { RUNS_QUEUE, TOKENS_QUEUE, GATES_QUEUE, SCHEDULER_ID, SWEEP_SCHEDULER_ID, reportJobId, gateJobId, tokenJobId } = await load();
    expect([reportJobId('r'), gateJobId('r'), tokenJobId('r', { clientId: 1, tokenId: 2 })]).toEqual(['report-r', 'gate-r', 'token-r-1-2']);
    expect([RUNS_QUEUE, TOKENS_QUEUE, GATES_QUEUE, SCHEDULER_ID, SWEEP_SCHEDULER_ID]).toEqual([
      'audit-runs',
      'audit-tokens',
      'audit-gates',
      'audit-schedule',
      'sentinel-sweep',
    ]);
  });

  it("a run's key keeps letters, digits, _ and -, and turns anything else into -", async () => {
    const { runKeyOf } = await load();
    expect(runKeyOf('repeat:audit-schedule:1700000000000')).toBe('repeat-audit-schedule-1700000000000');
    expect(runKeyOf('manual-1b2c_D9')).toBe('manual-1b2c_D9');
    expect(runKeyOf('a b/c.d{e}')).toBe('a-b-c-d-e-');
  });

  it('a run key without a trigger field is manual only when it starts with manual-', async () => {
    const { legacyRunTrigger } = await load();
    expect(legacyRunTrigger('manual-1b2c')).toBe('manual');
    expect(legacyRunTrigger('repeat-audit-schedule-1')).toBe('schedule');
    expect(legacyRunTrigger('x-manual-1')).toBe('schedule');
  });

  it("builds the report, gate and token job ids of a run, and reads a token job's ids back, also from its Redis key", async () => {
    const { reportJobId, gateJobId, tokenJobId, parseTokenJobId } = await load();
    expect(reportJobId('r1')).toBe('report-r1');
    expect(gateJobId('r1')).toBe('gate-r1');
    const id = tokenJobId('repeat-audit-schedule-17', { clientId: 456, tokenId: 101 });
    expect(id).toBe('token-repeat-audit-schedule-17-456-101');
    expect(parseTokenJobId(id)).toEqual({ clientId: 456, tokenId: 101 });
    expect(parseTokenJobId(`bull:audit-tokens:${id}`)).toEqual({ clientId: 456, tokenId: 101 });
    // Only the last two numbers, whole: not a key with one number, letters, or more after them.
    expect(parseTokenJobId('token-r-456')).toBeNull();
    expect(parseTokenJobId('token-r-456-101x')).toBeNull();
    expect(parseTokenJobId('token-r-45a-101')).toBeNull();
    expect(parseTokenJobId('token-r-4567-10123')).toEqual({ clientId: 4567, tokenId: 10123 });
  });
});
