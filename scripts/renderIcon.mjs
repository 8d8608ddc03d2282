// Renders the Marketplace icon, media/icon.png (256×256), from the activity-bar glyph media/icon.svg:
// the glyph in white on a rounded square of the gallery banner's colour (package.json galleryBanner).
// Uses Debian's Chromium through playwright-core, as the tests do. Run: node scripts/renderIcon.mjs
import * as fs from 'node:fs';
import { launchBrowser } from './testHost.mjs';

const SIZE = 256;
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const background = pkg.galleryBanner?.color ?? '#1e3a5f';
const glyph = fs.readFileSync('media/icon.svg', 'utf8');
const paths = [...glyph.matchAll(/<path\b[^>]*\/>/g)].map((m) => m[0]).join('\n');
if (!paths) throw new Error('no <path> elements in media/icon.svg');

// The 24×24 glyph scaled to 70 % of the tile, centred.
const scale = (SIZE * 0.7) / 24;
const offset = (SIZE - 24 * scale) / 2;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <rect width="${SIZE}" height="${SIZE}" rx="${SIZE * 0.18}" fill="${background}"/>
  <g transform="translate(${offset} ${offset + SIZE * 0.02}) scale(${scale})" fill="#ffffff">${paths}</g>
</svg>`;

const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE } });
  await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: 'media/icon.png', omitBackground: true });
} finally {
  await browser.close();
}
console.log(`media/icon.png: ${SIZE}×${SIZE}, background ${background}`);
