import { approvedBlock, requestedBlock } from '../../alerts/actions/decision-blocks.js';
import type { Click } from '../../alerts/actions/parse-interaction.js';
import { approvalRefusal } from '../../core/revocation.js';
import { toError } from '../../core/errors.js';
import { pendingRevocation } from '../../store/revocation-store.js';
import { rewrite, sameSlackUser, slackPerson, tell, type ActionDeps, type ActionOutcome, type SlackRevocations } from './action-deps.js';
import { tokenOfClick } from './token-of-click.js';

const REVOCATION_ID = /^r-[0-9a-f]{8}$/;

async function remediationOn(click: Click, deps: ActionDeps): Promise<SlackRevocations | null> {
  if (deps.revocations === undefined) {
    await tell(deps, click, 'Remediation is off (remediation.enabled: false): no token can be revoked.');
    return null;
  }
  return deps.revocations;
}

/**
 * Request revocation: a pending request as `revoke request` makes it (the token as Gcore shows it now), asked
 * by the Slack user; the message then offers Approve, for another person. One pending request per token.
 */
export async function handleRequest(click: Click, deps: ActionDeps): Promise<ActionOutcome> {
  const revocations = await remediationOn(click, deps);
  if (revocations === null) {
    return 'refused';
  }
  const token = await tokenOfClick(click, deps);
  if ('outcome' in token) {
    return token.outcome;
  }
  const { clientId, tokenId } = token;
  const pending = (await revocations.store.list()).find((r) => r.status === 'pending' && r.clientId === clientId && r.tokenId === tokenId);
  if (pending !== undefined) {
    await tell(deps, click, `Revocation ${pending.id} of token ${tokenId} is already pending (asked by ${pending.requestedBy}): another person approves it.`);
    return 'refused';
  }
  let fingerprint;
  try {
    fingerprint = await revocations.fingerprint(clientId, tokenId);
  } catch (error) {
    deps.logger.warn({ clientId, tokenId, err: { message: toError(error).message } }, 'Request revocation: the token could not be read');
    await tell(deps, click, `Token ${tokenId} (account ${clientId}) could not be read from Gcore: nothing was requested. Try again, or \`revoke request\`.`);
    return 'failed';
  }
  const now = deps.clock();
  const record = pendingRevocation({
    clientId,
    tokenId,
    reason: `asked from Slack: ${[...new Set(token.findings.map((f) => f.rule))].sort().join(', ')}`,
    requestedBy: slackPerson(click.user),
    now,
    findings: token.findings.map((f) => f.id),
    fingerprint,
  });
  await revocations.store.add(record);
  deps.logger.info({ action: 'request-revocation', user: click.user.id, clientId, tokenId, revocation: record.id }, 'revocation requested from Slack');
  await rewrite(deps, click, click.message, requestedBlock(click.user.id, now, record.id, click.blockId));
  return 'applied';
}

/**
 * Approve revocation: the request must exist and be pending, and the approver be another person than who asked
 * (by Slack user id, whatever their name); then the existing carry-out (re-read, one DELETE, once in all).
 */
export async function handleApprove(click: Click, deps: ActionDeps): Promise<ActionOutcome> {
  const revocations = await remediationOn(click, deps);
  if (revocations === null) {
    return 'refused';
  }
  const record = REVOCATION_ID.test(click.value) ? await revocations.store.get(click.value) : null;
  if (record === null) {
    await tell(deps, click, 'This button names no revocation kept here: nothing was done.');
    return 'invalid';
  }
  if (record.status !== 'pending') {
    await tell(deps, click, `Revocation ${record.id} is ${record.status}, not pending: nothing was done.`);
    return 'stale';
  }
  const by = slackPerson(click.user);
  if (sameSlackUser(record.requestedBy, click.user.id) || approvalRefusal(record.requestedBy, by) !== null) {
    await tell(deps, click, `You asked for revocation ${record.id} and cannot also approve it: another person must.`);
    return 'refused';
  }
  const result = await revocations.carryOut(record.id, by);
  deps.logger.info({ action: 'approve-revocation', user: click.user.id, revocation: record.id, result: result.kind }, 'revocation approved from Slack');
  if (result.kind === 'done' || result.kind === 'refused') {
    await rewrite(deps, click, click.message, approvedBlock(click.user.id, record.id, result.kind === 'done', result.record.outcome ?? result.kind));
    return result.kind === 'done' ? 'applied' : 'refused';
  }
  const why = { lapsed: 'it lapsed (not approved in time)', finished: 'it was carried out already', busy: 'another process is carrying it out', missing: 'it is gone' }[result.kind];
  await tell(deps, click, `Revocation ${record.id} was not carried out here: ${why}.`);
  return 'stale';
}
