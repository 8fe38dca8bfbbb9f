import { describeMuteMatch, type Mute } from '../core/mute.js';

/** A change of the run-time mutes to tell the channel: added or removed (by `by`), or lapsed. */
export interface MuteChange {
  readonly kind: 'added' | 'removed' | 'lapsed';
  /** Who added or removed it; for a lapsed one, who had added it. */
  readonly by: string | null;
  readonly mute: Pick<Mute, 'id' | 'rule' | 'clientId' | 'tokenId' | 'reason' | 'by' | 'untilText'>;
}

/** One line per change, for the digest's "Mutes" section: what, by whom, why, until when. */
export function muteNotes(changes: readonly MuteChange[]): string[] {
  return changes.map(({ kind, by, mute }) => {
    const what = describeMuteMatch(mute);
    switch (kind) {
      case 'added':
        return `🔇 ${by ?? 'someone'} muted ${what} until ${mute.untilText}: ${mute.reason} (${mute.id})`;
      case 'removed':
        return `🔔 ${by ?? 'someone'} unmuted ${what} (${mute.id}; muted by ${mute.by ?? 'someone'}: ${mute.reason})`;
      case 'lapsed':
        return `⏰ The mute of ${what} by ${mute.by ?? 'someone'} lapsed on ${mute.untilText}: ${mute.reason} (${mute.id})`;
    }
  });
}
