// Keeping an edit form in step with changes made elsewhere (the Edit session page): the form remembers
// the values it started from (its baseline); when the session changed elsewhere — heard live, or told by
// a STALE refusal on Save — each field nobody is editing here takes the new value at once, and each
// field edited on both sides is offered as "Keep theirs" / "Use mine". The version to send as
// expectedVersion moves to the one the form now reflects.

import { fill, h } from '../common/dom.js';

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** One field edited on both sides, with its two choices. */
function conflictRow(key, spec, { theirs, mine }, choose) {
  const choice = (text, which) =>
    h(
      'button',
      { type: 'button', class: 'button', onclick: () => choose(key, which) },
      text,
      h('span', { class: 'visually-hidden' }, ` (${spec.label})`),
    );
  return h(
    'li',
    { class: 'conflict', 'data-field': key },
    h(
      'p',
      {},
      h('strong', {}, spec.label),
      ': they saved ',
      h('span', { class: 'theirs' }, spec.text(theirs)),
      '; you have ',
      h('span', { class: 'mine' }, spec.text(mine)),
      '.',
    ),
    h('div', { class: 'actions' }, choice('Keep theirs', 'theirs'), choice('Use mine', 'mine')),
  );
}

/** The fields whose value differs from the baseline: what Save sends. */
function changesFrom(fields, base) {
  const changed = {};
  for (const [key, spec] of Object.entries(fields)) {
    const value = spec.read();
    if (!same(value, base[key])) changed[key] = value;
  }
  return changed;
}

/**
 * `fields`: { key: { label, read(), write(value), text(value) } }; `baseline`: the values the form started
 * from; `version`: { current }, shared by the page. Returns { element, takeIn(theirs, theirVersion,
 * messages), changes(), unresolved() }.
 */
export function formConflicts({ id, fields, baseline, version }) {
  const base = { ...baseline };
  const rows = new Map();
  const notes = h('div', { class: 'conflict-notes' });
  const list = h('ul', { class: 'conflict-list' });
  const taken = h('p', { class: 'conflict-taken', role: 'status' });
  const panel = h(
    'section',
    { class: 'conflict-panel card', id, hidden: true, 'aria-labelledby': `${id}-heading` },
    h('h3', { id: `${id}-heading` }, 'Changed by someone else'),
    notes,
    taken,
    list,
  );
  const redraw = () => {
    panel.hidden = !rows.size && !taken.textContent;
  };

  function choose(key, which) {
    const { theirs, row } = rows.get(key);
    if (which === 'theirs') fields[key].write(theirs);
    base[key] = theirs; // "use mine": the form's value now differs from theirs, so Save sends it
    row.remove();
    rows.delete(key);
    if (!rows.size) fill(notes);
    taken.textContent = rows.size ? taken.textContent : 'Settled: Save keeps what the form shows now.';
    redraw();
  }

  /** The session as it is now elsewhere: its values by key, its version, and what the server said of it. */
  function takeIn(theirs, theirVersion, messages = []) {
    const shown = [];
    for (const [key, spec] of Object.entries(fields)) {
      if (!(key in theirs) || same(theirs[key], base[key])) continue;
      const mine = spec.read();
      if (same(mine, base[key])) {
        spec.write(theirs[key]);
        shown.push(spec.label);
      } else if (!same(mine, theirs[key])) {
        if (rows.has(key)) rows.get(key).row.remove();
        const row = conflictRow(key, spec, { theirs: theirs[key], mine }, choose);
        rows.set(key, { theirs: theirs[key], row });
        list.append(row);
        continue;
      }
      base[key] = theirs[key];
    }
    version.current = theirVersion;
    fill(
      notes,
      messages.length
        ? h(
            'ul',
            {},
            messages.map((m) => h('li', {}, m)),
          )
        : null,
    );
    taken.textContent = shown.length ? `Updated with the change made elsewhere: ${shown.join(', ')}.` : '';
    redraw();
    return { shown, conflicts: rows.size };
  }

  return { element: panel, takeIn, unresolved: () => rows.size, changes: () => changesFrom(fields, base) };
}
