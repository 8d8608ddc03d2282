// Where the message list is scrolled: it follows the newest message while the user is at the bottom,
// keeps what the user reads in place while history streams in above, and restores the position
// after the view was hidden. Only the user changes "at the bottom" (by scrolling): layout does not.
import { saveState, state } from './vscodeApi';

/** Within this many pixels of the bottom counts as "at the bottom" for auto-scroll. */
const NEAR_BOTTOM_PX = 48;

export class Scroller {
  /**
   * The view follows the newest message. Only the user changes this (by scrolling to or away from the bottom):
   * layout shifts (history prepended, off-screen entries taking their real height) must not.
   */
  stickToBottom = state.atBottom;
  /** Distance from the bottom still to reach while older entries stream in; cleared once reached or when the user scrolls. */
  pendingFromBottom: number | undefined;
  /** Scroll events until then come from the user (wheel, keys, scrollbar, touch), not from layout. */
  private userScrollUntil = 0;
  private pointerHeld = false;
  /** Frames left in which the bottom is re-pinned after a change: entries settle their height a frame or two later. */
  private settleFrames = 0;
  private pinScheduled = false;
  private savePending = false;

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

  distanceFromBottom(): number {
    const l = this.list;
    return Math.max(0, l.scrollHeight - l.scrollTop - l.clientHeight);
  }

  isNearBottom(): boolean {
    return this.distanceFromBottom() <= NEAR_BOTTOM_PX;
  }

  scrollToBottom(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }

  /** Scrolls so `fromBottom` pixels of content lie below the view; false when the content is too short for that yet. */
  scrollToFromBottom(fromBottom: number): boolean {
    const top = this.list.scrollHeight - this.list.clientHeight - fromBottom;
    this.list.scrollTop = Math.max(0, top);
    return top >= 0;
  }

  /** Keeps the view at the bottom (when it sticks there) for a while, since heights settle after the paint. */
  keepPinned(frames = 30): void {
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

  userScrolling(): boolean {
    return this.pointerHeld || performance.now() < this.userScrollUntil;
  }

  /** The user takes over scrolling: stop steering towards a restored position; their scrolling decides stickiness. */
  userScrolls(): void {
    this.pendingFromBottom = undefined;
    this.userScrollUntil = performance.now() + 1000;
  }

  /** Scrolling up leaves the bottom at once: a smooth scroll's first frames are still near it. */
  userScrollsUp(): void {
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
