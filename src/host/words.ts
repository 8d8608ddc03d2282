// What the host says for structured results of the pure code (src/service, src/core): those return
// codes and numbers, shared with the terminal peer, and the host puts them in the user's language here.
import * as vscode from 'vscode';
import type { GroupDelivery } from '../service/types';

/** A refused send: the service's code in words (its English `message` is the terminal peer's). */
export function sendFailureText(r: { code: string; message: string }): string {
  switch (r.code) {
    case 'ENOTRUNNING': return vscode.l10n.t('The session is not running.');
    case 'ENOPERSON': return vscode.l10n.t('That person is not in this session now.');
    case 'ENOGROUP': return vscode.l10n.t('You are not a member of this group any more.');
    // The size is in the service's message; said again here in words the user reads.
    case 'EMSGSIZE': return vscode.l10n.t('The message is too large (the limit is 1 MiB).');
    default: return r.message;
  }
}

/** A group message's delivery line ("delivered to 3 of 4, 1 failed") and its hover (who has it, who waits). */
export function deliveryWords(d: Pick<GroupDelivery, 'total' | 'perMember'>): { label: string; tooltip: string } {
  const names = (status: 'pending' | 'delivered' | 'failed') => d.perMember.filter((m) => m.status === status).map((m) => m.name);
  const delivered = names('delivered');
  const pending = names('pending');
  const failed = names('failed');
  let label = d.total === 0 ? vscode.l10n.t('no other members') : vscode.l10n.t('delivered to {count} of {total}', { count: delivered.length, total: d.total });
  if (failed.length > 0) label = vscode.l10n.t('{label}, {count} failed', { label, count: failed.length });
  const lines: string[] = [];
  if (delivered.length) lines.push(vscode.l10n.t('Delivered: {names}', { names: delivered.join(', ') }));
  if (pending.length) lines.push(vscode.l10n.t('Waiting: {names}', { names: pending.join(', ') }));
  if (failed.length) lines.push(vscode.l10n.t('Failed: {names}', { names: failed.join(', ') }));
  return { label, tooltip: lines.join('\n') };
}
