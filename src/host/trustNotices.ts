// What the user is told about Workspace Trust (restrictedSettings.ts finds what is ignored): whole
// sentences through vscode.l10n.t, one per case, so that translators see complete text.
import * as vscode from 'vscode';
import { shownValue } from './restrictedSettings';
import type { IgnoredSetting } from './restrictedSettings';

/** One line for the chat view and the notification. Empty when nothing is ignored. Whole sentences, for translators. */
export function ignoredNotice(ignored: readonly IgnoredSetting[]): string {
  if (ignored.length === 0) return '';
  const peerSetting = ignored.find((s) => s.key === 'peer');
  const others = ignored.filter((s) => s.key !== 'peer');
  const peer = peerSetting ? shownValue(peerSetting.value) : '';
  const settings = others.map((s) => `${s.id} (${shownValue(s.value)})`).join(', ');
  if (peerSetting && others.length === 0) {
    return vscode.l10n.t('This folder is not trusted, so UDP Chat ignores its peer address {peer} and uses your user settings instead. Trust the folder to use them (Manage Workspace Trust).', { peer });
  }
  if (peerSetting && others.length === 1) {
    return vscode.l10n.t('This folder is not trusted, so UDP Chat ignores its peer address {peer} and the setting {settings} and uses your user settings instead. Trust the folder to use them (Manage Workspace Trust).', { peer, settings });
  }
  if (peerSetting) {
    return vscode.l10n.t('This folder is not trusted, so UDP Chat ignores its peer address {peer} and the settings {settings} and uses your user settings instead. Trust the folder to use them (Manage Workspace Trust).', { peer, settings });
  }
  if (others.length === 1) {
    return vscode.l10n.t('This folder is not trusted, so UDP Chat ignores the setting {settings} and uses your user settings instead. Trust the folder to use them (Manage Workspace Trust).', { settings });
  }
  return vscode.l10n.t('This folder is not trusted, so UDP Chat ignores the settings {settings} and uses your user settings instead. Trust the folder to use them (Manage Workspace Trust).', { settings });
}

/** Told once the user trusts the folder. */
export function trustedNotice(applied: readonly IgnoredSetting[]): string {
  const peerSetting = applied.find((s) => s.key === 'peer');
  const rest = applied.some((s) => s.key !== 'peer');
  const peer = peerSetting ? shownValue(peerSetting.value) : '';
  if (peerSetting && rest) return vscode.l10n.t('The folder is trusted now: its UDP Chat settings apply (peer {peer}). Its local address, port and discovery settings apply from the next session.', { peer });
  if (peerSetting) return vscode.l10n.t('The folder is trusted now: its UDP Chat settings apply (peer {peer}).', { peer });
  if (rest) return vscode.l10n.t('The folder is trusted now: its UDP Chat settings apply. Its local address, port and discovery settings apply from the next session.', {});
  return vscode.l10n.t('The folder is trusted now: its UDP Chat settings apply.', {});
}
