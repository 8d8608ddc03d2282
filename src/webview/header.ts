// The header (a banner landmark): the page heading, the session state in words, the conversation
// shown (a peer and whether it was heard from, or a group and its members), this machine's
// addresses to tell the peer (each with Copy), a stranger's request (Accept / Block), the plain-peer
// and encryption marks, and the Start / Set Peer / End actions (a group: Edit Group… / Leave Group).
import { SINGLE_CONVERSATION } from '../shared/protocol';
import type { HeaderInfo } from '../shared/protocol';
import { button, el, icon, setIcon } from './dom';
import { memberCount, memberList } from './roster';
import { INITIAL_HEADER } from './viewState';
import { f, nodes, plural, s } from './strings';
import { headingText, isRunning, localLines, normalPresence, presenceLook, requestText, sessionLook } from './texts';
import { post } from './vscodeApi';

/** More addresses than this hide behind a "N more" button: a machine with many interfaces must not fill the view. */
const ADDRESSES_SHOWN = 2;
const COPIED_MS = 1500;

export interface HeaderView {
  element: HTMLElement;
  render(h: HeaderInfo): void;
  /** The action to offer when the message box cannot take the focus (no peer): Set Peer, else Start. */
  focusAction(): void;
}

export function createHeader(announce: (text: string) => void): HeaderView {
  const header = el('header', 'chat-header');
  header.setAttribute('aria-label', s('sessionRegion'));
  const heading = el('h1', 'visually-hidden chat-heading', s('appName'));

  const stateEl = el('span', 'session-state');
  const stateIcon = icon('circle-large-outline', 'state-icon');
  const stateText = el('span', 'session-state-text');
  stateEl.append(stateIcon, stateText);

  const peerEl = el('span', 'peer');
  const presenceEl = el('span', 'presence');
  const presenceIcon = icon('circle-outline', 'presence-dot');
  const presenceText = el('span', 'presence-text');
  presenceEl.append(presenceIcon, presenceText);

  const localEl = el('div', 'local-address');
  const plainPeerEl = el('div', 'plain-peer');
  plainPeerEl.append(icon('warning', 'mark-icon'), el('span', 'plain-peer-text', s('plainPeer')));
  // Encrypted with the peer's identity key: the safety number to compare, and whether it was checked.
  const encryptionEl = el('div', 'encryption');
  const encryptionIcon = icon('lock', 'mark-icon lock');
  const fingerprintEl = el('code', 'fingerprint');
  const encryptionLabel = el('span', 'encryption-label', s('encryptedSafetyNumber'));
  const verifiedEl = el('span', 'verified-mark');
  const encryptionText = el('span', 'encryption-text');
  encryptionText.append(encryptionLabel, fingerprintEl, verifiedEl);
  const verifyBtn = button(s('verify'), 'action action-verify secondary', () => post({ type: 'verifyPeer' }), 'shield');
  verifyBtn.setAttribute('aria-label', s('verifyLabel'));
  encryptionEl.append(encryptionIcon, encryptionText, verifyBtn);
  // The peer answered with another identity key: a warning, and the one way forward.
  const keyChangeEl = el('div', 'key-change');
  keyChangeEl.setAttribute('role', 'alert');
  const acceptBtn = button(s('acceptNewKey'), 'action action-accept-key secondary', () => post({ type: 'acceptPeerKey' }), 'key');
  keyChangeEl.append(
    icon('warning', 'mark-icon'),
    el('span', 'key-change-text', s('keyChanged')),
    acceptBtn,
  );

  // A stranger's messages wait: let them in, or block them.
  const requestEl = el('div', 'request-bar');
  const requestTextEl = el('span', 'request-text');
  const acceptRequestBtn = button(s('accept'), 'action action-accept-request', () => {
    if (current.conversation) post({ type: 'acceptRequest', conversation: current.conversation });
  }, 'check');
  const blockBtn = button(s('block'), 'action action-block secondary', () => {
    if (current.conversation) post({ type: 'blockPerson', conversation: current.conversation });
  }, 'circle-slash');
  const requestActions = el('span', 'request-actions');
  requestActions.append(acceptRequestBtn, blockBtn);
  requestEl.append(icon('person', 'mark-icon'), requestTextEl, requestActions);

  const editGroupBtn = button(s('editGroup'), 'action action-edit-group secondary', () => {
    if (current.conversation) post({ type: 'editGroup', conversation: current.conversation });
  }, 'edit');
  const leaveGroupBtn = button(s('leaveGroup'), 'action action-leave-group secondary', () => {
    if (current.conversation) post({ type: 'leaveGroup', conversation: current.conversation });
  }, 'sign-out');

  const startBtn = button(s('start'), 'action action-start', () => post({ type: 'startSession' }), 'play');
  const setPeerBtn = button(s('setPeer'), 'action action-set-peer', () => post({ type: 'setPeer' }), 'edit');
  const endBtn = button(s('end'), 'action action-end', () => post({ type: 'endSession' }), 'debug-stop');
  const actions = el('div', 'actions');
  actions.append(startBtn, setPeerBtn, editGroupBtn, leaveGroupBtn, endBtn);

  const row1 = el('div', 'header-row');
  row1.append(stateEl);
  const row2 = el('div', 'header-row');
  row2.append(peerEl, presenceEl);
  header.append(heading, row1, row2, localEl, requestEl, keyChangeEl, plainPeerEl, encryptionEl, actions);

  /** The header shown last (the request and group buttons act on its conversation). */
  let current: HeaderInfo = INITIAL_HEADER;

  /** The addresses last rendered, so a header update that does not change them keeps the buttons (and their focus). */
  let shownKey = '';
  let showAll = false;

  function copyButton(address: string): HTMLButtonElement {
    // A small icon button, as in VS Code's toolbars; its name and tooltip say what it copies.
    const b = el('button', 'copy-address icon-button');
    b.type = 'button';
    const glyph = icon('copy', 'button-icon');
    b.appendChild(glyph);
    b.setAttribute('aria-label', f('copyAddressLabel', { address }));
    b.title = f('copyAddressTitle', { address });
    b.addEventListener('click', () => {
      post({ type: 'copyText', text: address });
      setIcon(glyph, 'check');
      b.title = s('copied');
      announce(f('copiedAnnouncement', { address }));
      setTimeout(() => {
        setIcon(glyph, 'copy');
        b.title = f('copyAddressTitle', { address });
      }, COPIED_MS);
    });
    return b;
  }

  function renderLocal(h: HeaderInfo): void {
    const { addresses, listening } = localLines(h);
    const key = JSON.stringify([addresses, listening, showAll]);
    if (key === shownKey) return;
    shownKey = key;
    const rows: HTMLElement[] = [];
    const shown = showAll ? addresses : addresses.slice(0, ADDRESSES_SHOWN);
    shown.forEach((address, i) => {
      const row = el('div', 'address-row');
      row.append(
        el('span', 'address-label', s(i === 0 ? 'yourAddress' : 'addressOr')),
        el('bdi', 'address', address),
        copyButton(address),
      );
      rows.push(row);
    });
    if (addresses.length > shown.length) {
      const hiddenCount = addresses.length - shown.length;
      const more = button(f('moreShort', { count: hiddenCount }), 'more-addresses', () => {
        showAll = true;
        renderLocal(h);
        localEl.querySelectorAll<HTMLButtonElement>('.copy-address')[shown.length]?.focus();
      }, 'chevron-down');
      more.setAttribute('aria-label', f('moreAddresses', { count: hiddenCount }));
      rows.push(more);
    }
    if (listening) rows.push(el('div', 'listening', f('listeningOn', { address: listening })));
    localEl.replaceChildren(...rows);
    localEl.hidden = rows.length === 0;
  }

  function renderGroup(h: HeaderInfo): void {
    const n = memberCount(h.members);
    const names = memberList(h.members);
    const count = el('span', 'member-count', plural(n, 'memberCountOne', 'memberCountMany'));
    // The names on hover, and for screen readers right after the count.
    count.title = names;
    const parts: (string | Node)[] = nodes<Node>('groupLine', { name: el('bdi', 'peer-name', h.peerName || s('unnamedGroupHeader')), count });
    if (names) parts.push(el('span', 'visually-hidden', f('membersSpoken', { names })));
    peerEl.replaceChildren(...parts);
  }

  function render(h: HeaderInfo): void {
    current = h;
    const group = h.kind === 'group';
    document.body.dataset.kind = group ? 'group' : 'person';
    document.body.dataset.state = h.state;
    heading.textContent = headingText(h);
    const look = sessionLook(h);
    stateEl.dataset.state = h.state;
    stateEl.dataset.tone = h.state === 'active' ? (normalPresence(h.presence) === 'online' ? 'ok' : 'waiting') : h.state;
    setIcon(stateIcon, look.icon);
    stateIcon.classList.toggle('codicon-modifier-spin', h.state === 'starting');
    stateText.textContent = look.text;

    const presence = normalPresence(h.presence);
    presenceEl.className = `presence presence-${presence}`;
    presenceEl.dataset.presence = presence;
    const presenceWords = presenceLook(presence);
    setIcon(presenceIcon, presenceWords.icon);
    presenceText.textContent = presenceWords.text;
    // Whether the peer was heard from means something only while a session runs.
    presenceEl.hidden = !isRunning(h) || !h.peer || group;

    if (group) {
      renderGroup(h);
    } else if (h.peer) {
      // The peer chooses its name: isolate it so bidi controls in it cannot reorder the address.
      const address = el('bdi', 'peer-address', h.peer);
      peerEl.replaceChildren(...(h.peerName
        ? nodes<Node>('peerWithName', { name: el('bdi', 'peer-name', h.peerName), address })
        : nodes<Node>('peerAddressOnly', { address })));
    } else {
      peerEl.textContent = s('noPeerSet');
    }
    renderLocal(h);
    const request = h.request === true && !group;
    requestEl.hidden = !request;
    requestTextEl.textContent = request ? requestText(h) : '';
    plainPeerEl.hidden = !h.plainPeer;
    keyChangeEl.hidden = !h.keyChanged;
    // During a key change the alert is the state: the old key's number would only confuse.
    encryptionEl.hidden = !h.encrypted || !h.fingerprint || h.keyChanged;
    fingerprintEl.textContent = h.fingerprint;
    verifiedEl.textContent = h.verified ? s('verifiedMark') : '';
    encryptionEl.dataset.verified = String(h.verified);
    setIcon(encryptionIcon, h.verified ? 'verified-filled' : 'lock');
    verifyBtn.hidden = h.verified;
    const running = isRunning(h);
    startBtn.hidden = running;
    endBtn.hidden = !running;
    // Set Peer changes the configured peer: offered in its conversation, not in another person's.
    setPeerBtn.hidden = h.state === 'starting' || group || (h.conversation !== undefined && h.conversation !== SINGLE_CONVERSATION);
    editGroupBtn.hidden = !group;
    leaveGroupBtn.hidden = !group;
    // Without a peer, Set Peer is the next step: it gets the primary look.
    setPeerBtn.classList.toggle('primary', !h.peer && !group);
    startBtn.classList.toggle('secondary', !h.peer && !group);
  }

  function focusAction(): void {
    (setPeerBtn.classList.contains('primary') || startBtn.hidden ? setPeerBtn : startBtn).focus();
  }

  return { element: header, render, focusAction };
}
