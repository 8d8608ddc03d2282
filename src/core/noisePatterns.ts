// The handshake patterns the project supports (Noise Protocol Framework, revision 34, §7 and §9).
// Each message is a list of tokens; pre-messages name the keys a side knows before the first message.

export type PatternName = 'XX' | 'IK' | 'XXpsk3' | 'IKpsk2' | 'NNpsk0';
export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';

export interface Pattern {
  /** Keys the responder knows of the initiator before the first message. */
  initiatorPre: readonly Token[];
  /** Keys the initiator knows of the responder before the first message (IK: the responder's static). */
  responderPre: readonly Token[];
  /** Message i is written by the initiator when i is even. */
  messages: readonly (readonly Token[])[];
}

export const PATTERNS: Readonly<Record<PatternName, Pattern>> = {
  NNpsk0: { initiatorPre: [], responderPre: [], messages: [['psk', 'e'], ['e', 'ee']] },
  XX: { initiatorPre: [], responderPre: [], messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']] },
  IK: { initiatorPre: [], responderPre: ['s'], messages: [['e', 'es', 's', 'ss'], ['e', 'ee', 'se']] },
  XXpsk3: { initiatorPre: [], responderPre: [], messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se', 'psk']] },
  IKpsk2: { initiatorPre: [], responderPre: ['s'], messages: [['e', 'es', 's', 'ss'], ['e', 'ee', 'se', 'psk']] },
};

export function isPatternName(p: string): p is PatternName {
  return Object.prototype.hasOwnProperty.call(PATTERNS, p);
}

export function protocolNameOf(p: PatternName): string {
  return `Noise_${p}_25519_ChaChaPoly_SHA256`;
}

/** A psk pattern also mixes every ephemeral into the key (Noise §9.2), so this is needed before the first token. */
export function usesPsk(p: Pattern): boolean {
  return p.messages.some((m) => m.includes('psk'));
}

/** Whether the side (initiator or responder) needs its own static key pair. */
export function needsLocalStatic(p: Pattern, initiator: boolean): boolean {
  if ((initiator ? p.initiatorPre : p.responderPre).includes('s')) return true;
  return p.messages.some((m, i) => (i % 2 === 0) === initiator && m.includes('s'));
}

/** Whether the side must be given the peer's static public key up front. */
export function needsRemoteStatic(p: Pattern, initiator: boolean): boolean {
  return (initiator ? p.responderPre : p.initiatorPre).includes('s');
}
