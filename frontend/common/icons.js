// Line icons from Lucide (lucide-static, pinned in package.json; the files and their ISC licence are in
// frontend/icons/), drawn in the text's colour through a CSS mask, so they look the same on every system and
// follow dark mode. Always decorative: the control they sit in carries the accessible name.

// The names (edit, delete, calendar, menu, previous, next, close, add, search, help, sortable, sort-ascending,
// sort-descending, menu-down, became, star, star-solid) are classes in styles.css, each naming its file, so the
// static page can use them too: <span class="icon icon-menu" aria-hidden="true">. No text glyph (▲ × ★ …) stands
// in for an icon: its look would follow the system's fonts (tests/browser/test_design.py checks).
export function icon(name) {
  const span = document.createElement('span');
  span.className = `icon icon-${name}`;
  span.setAttribute('aria-hidden', 'true');
  return span;
}
