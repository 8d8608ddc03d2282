// Where the message list is scrolled, and the only code that scrolls it: it follows the newest message
// while the user is at the bottom, keeps what the user reads in place while history streams in above,
// restores the position after the view was hidden, and makes the keyboard's moves in the list
// (listFocus.ts). Whoever changes the list does it inside one of the calls below, which measure before
// and scroll after. Only the user changes "at the bottom" (by scrolling): layout does not.
import { saveState, state } from './vscodeApi';

/** Within this many pixels of the bottom counts as "at the bottom" for auto-scroll. */
const NEAR_BOTTOM_PX = 48;

export class Scroller {
  /**
   * The view follows the newest message. Only the user changes this (by scrolling to or away from the bottom):
   * layout shifts (history prepended, off-screen entries taking their real height) must not.
   */
  private stickToBottom = state.atBottom;
  /** Distance from the bottom still to reach while older entries stream in; cleared once reached or when the user scrolls. */
  private pendingFromBottom: number | undefined;
  /** Scroll events until then come from the user (wheel, keys, scrollbar, touch), not from layout. */
  private userScrollUntil = 0;
  private pointerHeld = false;
  /** Frames left in which the bottom is re-pinned after a change: entries settle their height a frame or two later. */
  private settleFrames = 0;
  private pinScheduled = false;
  private savePending = false;
  /** The saved position is restored once, after the first snapshot fills the list. */
  private restored = false;
  /** The user just sent: their own next entry scrolls into view even if they were reading history. */
  private followOwnEntry = false;

  constructor(private readonly list: HTMLElement, private readonly busy: () => boolean) {
    list.addEventListener('scroll', () => this.onScroll());
    list.addEventListener('wheel', (event) => (event.deltaY < 0 ? this.userScrollsUp() : this.userScrolls()), { passive: true });
    for (const type of ['touchstart', 'touchmove'] as const) list.addEventListener(type, () => this.userScrolls(), { passive: true });
    // Keys that scroll the list natively (focus on a control in an entry); the list's own keys were handled already.
    list.addEventListener('keydown', (event) => {
      if (event.defaultPrevented) return;
      if (event.key === 'PageUp' || (event.key === 'Home' && event.ctrlKey)) this.userScrollsUp();
      else if (event.key === 'PageDown' || event.key === ' ' || (event.key === 'End' && event.ctrlKey)) this.userScrolls();
    });
    list.addEventListener('pointerdown', () => {
      this.pointerHeld = true;
      this.userScrolls();
    });
    window.addEventListener('pointerup', () => {
      this.pointerHeld = false;
      this.userScrolls();
    });
    // A resized view (panel dragged, window resized) keeps showing the newest message.
    new ResizeObserver(() => {
      if (this.stickToBottom) this.keepPinned(2);
    }).observe(list);
  }

  /**
   * A snapshot replaces the whole list (`render` does it). The first one restores where the user was;
   * a later one follows the bottom if the view was at it.
   */
  replaceAll(render: () => void): void {
    const wasNearBottom = this.isNearBottom();
    this.pendingFromBottom = undefined;
    render();
    if (!this.restored) {
      this.restored = true;
      this.stickToBottom = state.atBottom || state.fromBottom === undefined;
      if (this.stickToBottom) {
        this.scrollToBottom();
      } else if (!this.scrollToFromBottom(state.fromBottom ?? 0) && this.busy()) {
        // The spot is in history not rendered yet: keep heading there as older entries arrive.
        this.pendingFromBottom = state.fromBottom;
      }
    } else if (wasNearBottom || this.stickToBottom) {
      this.stickToBottom = true;
      this.scrollToBottom();
    }
    this.keepPinned();
  }

  /** Older entries go in above (`render` does it): the content under the user's eyes stays in place. */
  prependOlder(render: () => void): void {
    // Measured before the change, while layout is still clean from the last frame.
    const fromBottom = this.distanceFromBottom();
    render();
    if (this.stickToBottom) {
      this.scrollToBottom();
      this.keepPinned();
    } else if (this.pendingFromBottom !== undefined) {
      if (this.scrollToFromBottom(this.pendingFromBottom) || !this.busy()) this.pendingFromBottom = undefined;
    } else {
      // Content grew above: keep the same content under the user's eyes (at the bottom stays at the bottom).
      this.scrollToFromBottom(fromBottom);
    }
  }

  /**
   * New entries go in at the end (`render` does it): the view follows them when it was at the bottom,
   * and goes to the user's own message just sent. `own`: own entries are among them.
   */
  appendNewest(render: () => void, own: boolean): void {
    const wasNearBottom = this.stickToBottom || this.isNearBottom();
    render();
    const ownArrived = this.followOwnEntry && own;
    if (ownArrived) this.followOwnEntry = false;
    if (wasNearBottom || ownArrived) {
      this.stickToBottom = true;
      this.scrollToBottom();
      this.keepPinned();
    }
  }

  /** Another conversation is about to be shown: it opens at its newest message. */
  conversationSwitched(): void {
    this.stickToBottom = true;
    this.pendingFromBottom = undefined;
  }

  /** The list was emptied: no restored spot to head for any more. */
  cleared(): void {
    this.pendingFromBottom = undefined;
  }

  /** The user sent a message: the view goes to it when it arrives. */
  ownMessageSent(): void {
    this.followOwnEntry = true;
  }

  /** The keyboard reads through an entry taller than the view (negative: up). */
  scrollBy(delta: number): void {
    if (delta < 0) this.userScrollsUp();
    else this.userScrolls();
    this.list.scrollTop += delta;
  }

  /** The keyboard moved to `item`: it comes into view. `up`: towards older entries. */
  reveal(item: HTMLElement, up: boolean): void {
    if (up) this.userScrollsUp();
    else this.userScrolls();
    item.scrollIntoView({ block: 'nearest' });
  }

  private distanceFromBottom(): number {
    const l = this.list;
    return Math.max(0, l.scrollHeight - l.scrollTop - l.clientHeight);
  }

  private isNearBottom(): boolean {
    return this.distanceFromBottom() <= NEAR_BOTTOM_PX;
  }

  private scrollToBottom(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }

  /** Scrolls so `fromBottom` pixels of content lie below the view; false when the content is too short for that yet. */
  private scrollToFromBottom(fromBottom: number): boolean {
    const top = this.list.scrollHeight - this.list.clientHeight - fromBottom;
    this.list.scrollTop = Math.max(0, top);
    return top >= 0;
  }

  /** Keeps the view at the bottom (when it sticks there) for a while, since heights settle after the paint. */
  private keepPinned(frames = 30): void {
    this.settleFrames = Math.max(this.settleFrames, frames);
    if (this.pinScheduled) return;
    this.pinScheduled = true;
    requestAnimationFrame(() => this.pinFrame());
  }

  private pinFrame(): void {
    this.pinScheduled = false;
    if (!this.stickToBottom) {
      this.settleFrames = 0;
      return;
    }
    // Never fight a scroll the user is making; their scroll events decide stickiness meanwhile.
    if (!this.userScrolling() && this.distanceFromBottom() > 1) this.scrollToBottom();
    this.settleFrames--;
    if (this.settleFrames > 0 || this.busy()) {
      this.pinScheduled = true;
      requestAnimationFrame(() => this.pinFrame());
    }
  }

  private userScrolling(): boolean {
    return this.pointerHeld || performance.now() < this.userScrollUntil;
  }

  /** The user takes over scrolling: stop steering towards a restored position; their scrolling decides stickiness. */
  private userScrolls(): void {
    this.pendingFromBottom = undefined;
    this.userScrollUntil = performance.now() + 1000;
  }

  /** Scrolling up leaves the bottom at once: a smooth scroll's first frames are still near it. */
  private userScrollsUp(): void {
    this.userScrolls();
    this.stickToBottom = false;
    state.atBottom = false;
  }

  private onScroll(): void {
    if (this.savePending) return;
    this.savePending = true;
    requestAnimationFrame(() => {
      this.savePending = false;
      // Heading for a restored spot in history not rendered yet: that spot is still the one to keep.
      if (this.pendingFromBottom !== undefined) return;
      const fromBottom = this.distanceFromBottom();
      if (this.userScrolling()) this.stickToBottom = fromBottom <= NEAR_BOTTOM_PX;
      state.scrollTop = this.list.scrollTop;
      state.fromBottom = fromBottom;
      state.atBottom = this.stickToBottom;
      saveState();
    });
  }
}
