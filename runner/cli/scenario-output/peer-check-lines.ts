import type { PeerCheckOutcome, PeerToCheck } from '../../scenario/peer-check.js';
import { printable } from '../../core/terminal-text.js';
import type { Palette } from './palette.js';
import { visibleLength, wrapLines } from '../terminal-width.js';

/** `checking 3 peers: lab-a, lab-b, lab-x...`; only the count when the names do not fit the width. */
export function checkingLine(peers: readonly PeerToCheck[], width: number | undefined): string {
  const count = `checking ${peers.length} ${peers.length === 1 ? 'peer' : 'peers'}`;
  const named = `${count}: ${peers.map((p) => printable(p.name)).join(', ')}...`;
  return width === undefined || visibleLength(named) <= width ? named : `${count}...`;
}

/**
 * One line per peer that failed, its error saying what, where and what to
 * do, each wrapped to the width: `  ✗ cannot reach peer lab-x (...): ...`.
 */
export function failedPeerLines(outcomes: readonly PeerCheckOutcome[], colours: Palette, width: number | undefined): string[] {
  return outcomes.flatMap((o) => (o.ok ? [] : [wrapLines(`  ${colours.red('✗')} ${printable(o.error.message)}`, width, '    ')]));
}

/** The opening of the refusal or the warning: `1 of 3 peers failed the check`. */
export function failedCountText(outcomes: readonly PeerCheckOutcome[]): string {
  const failed = outcomes.filter((o) => !o.ok).length;
  return `${failed} of ${outcomes.length} ${outcomes.length === 1 ? 'peer' : 'peers'} failed the check`;
}
