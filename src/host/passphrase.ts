// The shared passphrase lives in VS Code's SecretStorage (the OS keychain), never in settings.
import * as vscode from 'vscode';
import { SECRET_PASSPHRASE } from '../constants';
import { derivePskAsync } from '../core/noise';
import type { SecurityProvider } from './sessionLifecycle';

export const MIN_PASSPHRASE_LENGTH = 8;

export class PassphraseStore implements SecurityProvider {
  private cache?: { passphrase: string; psk: Promise<Buffer> };

  constructor(private readonly secrets: vscode.SecretStorage) {}

  async psk(): Promise<Buffer | undefined> {
    const p = await this.secrets.get(SECRET_PASSPHRASE);
    if (!p) return undefined;
    if (this.cache?.passphrase !== p) this.cache = { passphrase: p, psk: derivePskAsync(p) };
    return this.cache.psk;
  }

  async has(): Promise<boolean> {
    return Boolean(await this.secrets.get(SECRET_PASSPHRASE));
  }

  /** UDP Chat: Set Passphrase. Returns true when stored. */
  async set(given?: string): Promise<boolean> {
    const value = typeof given === 'string' ? given : await vscode.window.showInputBox({
      title: vscode.l10n.t('UDP Chat: shared passphrase'),
      prompt: vscode.l10n.t("Both peers must use the same passphrase. It is kept in VS Code's secret storage, never in settings."),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.length < MIN_PASSPHRASE_LENGTH ? vscode.l10n.t('Use at least {count} characters (a few random words are best).', { count: MIN_PASSPHRASE_LENGTH }) : undefined),
    });
    if (value === undefined) return false;
    if (value.length < MIN_PASSPHRASE_LENGTH) throw new Error(vscode.l10n.t('The passphrase must have at least {count} characters.', { count: MIN_PASSPHRASE_LENGTH }));
    await this.secrets.store(SECRET_PASSPHRASE, value);
    return true;
  }

  /** UDP Chat: Clear Passphrase. */
  async clear(): Promise<void> {
    await this.secrets.delete(SECRET_PASSPHRASE);
    this.cache = undefined;
  }
}
