// Small DOM helpers. Text only ever goes in through textContent; icons are codicons (a font shipped
// with the extension, never emoji: machines without an emoji font show an empty box).

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A decorative codicon: hidden from screen readers, the text next to it says the same. */
export function icon(name: string, className?: string): HTMLSpanElement {
  const node = el('span', `codicon codicon-${name}${className ? ` ${className}` : ''}`);
  node.setAttribute('aria-hidden', 'true');
  return node;
}

/** Points an existing icon at another codicon, keeping its other classes. */
export function setIcon(node: HTMLElement, name: string): void {
  for (const c of Array.from(node.classList)) if (c.startsWith('codicon-') && !c.startsWith('codicon-modifier')) node.classList.remove(c);
  node.classList.add(`codicon-${name}`);
}

/** A button whose accessible name is its visible label; the optional icon is decoration. */
export function button(label: string, className: string, onClick: () => void, iconName?: string): HTMLButtonElement {
  const b = el('button', className);
  b.type = 'button';
  if (iconName) b.appendChild(icon(iconName, 'button-icon'));
  b.appendChild(el('span', 'button-label', label));
  b.addEventListener('click', onClick);
  return b;
}

export function setButtonLabel(b: HTMLButtonElement, label: string, iconName?: string): void {
  const labelEl = b.querySelector<HTMLElement>(':scope > .button-label');
  if (labelEl) labelEl.textContent = label;
  else b.textContent = label;
  const iconEl = b.querySelector<HTMLElement>(':scope > .codicon');
  if (iconEl && iconName) setIcon(iconEl, iconName);
}

export function hhmm(time: number): string {
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return '';
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
