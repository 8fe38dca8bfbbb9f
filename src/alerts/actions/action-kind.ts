/**
 * The buttons a token's line carries when the worker acts from Slack (README "Acting from Slack"). The
 * action_id names the action; the value names only what it acts on: `clientId/tokenId` for a token's buttons,
 * the revocation id for Approve. Nothing secret, nothing written by a token's creator.
 */
export const ACTION_KINDS = ['acknowledge', 'mute', 'request-revocation', 'approve-revocation'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** What a layout needs to know to draw the buttons; absent (no app tokens): no button anywhere. */
export interface ButtonOptions {
  /** remediation.enabled: Request revocation is offered (and Approve, once a request is pending). */
  readonly remediation: boolean;
}

/** The value of a token's buttons. */
export const tokenValue = (clientId: number, tokenId: number) => `${clientId}/${tokenId}`;

/** For people and metrics: what each action is called. */
export const ACTION_LABEL: Record<ActionKind, string> = {
  acknowledge: 'Acknowledge',
  mute: 'Mute…',
  'request-revocation': 'Request revocation',
  'approve-revocation': 'Approve revocation',
};
