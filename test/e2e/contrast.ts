// WCAG 2.x contrast from CSS colors as the browser computes them ("rgb(…)", "rgba(…)", "color(srgb …)").
// Pure, so it is unit tested (test/unit/webview.contrast.test.ts) and used by the e2e theme checks.

export type Rgba = [number, number, number, number];

/** Parses a computed CSS color; undefined for anything else (e.g. "transparent" is rgba(0, 0, 0, 0) once computed). */
export function parseColor(css: string): Rgba | undefined {
  const s = css.trim().toLowerCase();
  let m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3]), alpha(m[4])];
  m = /^color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s*\/\s*([\d.]+%?))?\s*\)$/.exec(s);
  if (m) return [Number(m[1]) * 255, Number(m[2]) * 255, Number(m[3]) * 255, alpha(m[4])];
  m = /^#([\da-f]{6})([\da-f]{2})?$/.exec(s);
  if (m) {
    const n = parseInt(m[1]!, 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, m[2] ? parseInt(m[2], 16) / 255 : 1];
  }
  return undefined;
}

function alpha(a: string | undefined): number {
  if (a === undefined) return 1;
  return a.endsWith('%') ? Number(a.slice(0, -1)) / 100 : Number(a);
}

/** `top` painted over an opaque `bottom`. */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top[3];
  return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
}

/** Layers from the innermost (nearest the text) outwards, painted over white when none is opaque. */
export function flatten(layers: readonly Rgba[]): Rgba {
  let out: Rgba = [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) out = over(layers[i]!, out);
  return out;
}

export function luminance(c: Rgba): number {
  const [r, g, b] = [c[0], c[1], c[2]].map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(fg: Rgba, bg: Rgba): number {
  const back = bg[3] < 1 ? over(bg, [255, 255, 255, 1]) : bg;
  const front = fg[3] < 1 ? over(fg, back) : fg;
  const a = luminance(front);
  const b = luminance(back);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** Contrast of text colored `color` over the background layers behind it (innermost first). */
export function textContrast(color: string, backgrounds: readonly string[]): number {
  const fg = parseColor(color);
  if (!fg) return 0;
  const layers = backgrounds.map(parseColor).filter((c): c is Rgba => !!c && c[3] > 0);
  return contrastRatio(fg, flatten(layers));
}
