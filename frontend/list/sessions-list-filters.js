// The Session list's filters: the Filters button, the panel of checkboxes with their counts, and the
// chips of the filters applied. Like every control of the list it changes the URL (through `list.go`),
// never the list itself.

import { fill, h, hidden } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { viewChips, viewControls } from './list-view.js';
import { FILTER_GROUPS, optionLabel } from './sessions-list-state.js';

function filtersButton(count, onclick) {
  return h(
    'button',
    {
      type: 'button',
      id: 'filters-button',
      class: 'button',
      'aria-expanded': 'false',
      'aria-controls': 'filters-panel',
      onclick,
    },
    'Filters',
    count,
  );
}

/** The panel: a form with the groups of checkboxes (filled later), Apply and Cancel; Escape closes it. */
function filtersPanel({ onApply, onClose }) {
  const groups = h('div', { class: 'filter-groups' });
  const form = h(
    'form',
    { class: 'filters-form', onsubmit: onApply },
    h('h3', { id: 'filters-heading' }, 'Filters'),
    groups,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'button button-primary' }, 'Apply'),
      h('button', { type: 'button', class: 'button button-quiet', onclick: onClose }, 'Cancel'),
    ),
  );
  const panel = h(
    'div',
    {
      id: 'filters-panel',
      class: 'filters-panel card',
      hidden: true,
      role: 'region',
      'aria-labelledby': 'filters-heading',
      onkeydown: (event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          onClose();
        }
      },
    },
    form,
  );
  return { groups, form, panel };
}

function checkbox(group, option, isTicked) {
  const id = `filter-${group.key}-${encodeURIComponent(option.value)}`;
  return h(
    'label',
    { class: 'check', for: id },
    h('input', {
      type: 'checkbox',
      id,
      name: group.key,
      value: option.value,
      checked: isTicked(group.key, option.value),
    }),
    ` ${optionLabel(group, option.value)} `,
    h('span', { class: 'count' }, `(${option.count})`),
  );
}

/** A group's checkboxes: the values with their counts, and any applied value no session has any more. */
function filterGroup(group, facets, state, isTicked) {
  const options = [...facets[group.key]];
  for (const value of state.filters[group.key]) {
    if (!options.some((o) => o.value === value)) options.push({ value, count: 0 });
  }
  return h(
    'fieldset',
    { class: 'filter-group' },
    h('legend', {}, group.legend),
    options.length
      ? options.map((option) => checkbox(group, option, isTicked))
      : h('p', { class: 'muted' }, 'No options yet.'),
  );
}

/** The chips of the applied filters, the list's first view first: { key, value, text }. */
function appliedChips(state, mentorNames) {
  const chips = [];
  for (const group of FILTER_GROUPS) {
    for (const value of state.filters[group.key])
      chips.push({ key: group.key, value, text: `${group.legend}: ${optionLabel(group, value)}` });
  }
  for (const id of state.mentorIds)
    chips.push({ key: 'mentorIds', value: id, text: `Mentor: ${mentorNames[id] || `#${id}`}` });
  chips.unshift(...viewChips(state).map((chip) => ({ key: 'view', value: chip.changes, text: chip.text })));
  return chips;
}

/** The chips of the applied filters (filled later) and Clear all. */
function appliedFilters(onClearAll) {
  const chipList = h('ul', { class: 'chips', 'aria-label': 'Applied filters' });
  const clearAll = h('button', { type: 'button', class: 'button button-link', onclick: onClearAll }, 'Clear all');
  const applied = h('div', { class: 'applied-filters', hidden: true }, chipList, clearAll);
  return { chipList, applied };
}

function chipItem(chip, onclick) {
  return h(
    'li',
    {},
    h('button', { type: 'button', class: 'chip', onclick }, chip.text, icon('close'), hidden(', remove this filter')),
  );
}

/** The list's changes that remove one chip's filter. */
function withoutChip(state, key, value) {
  if (key === 'view') return { ...value, page: 1 };
  if (key === 'mentorIds') return { mentorIds: state.mentorIds.filter((v) => v !== value), page: 1 };
  return { filters: { ...state.filters, [key]: state.filters[key].filter((v) => v !== value) }, page: 1 };
}

/**
 * `list` is what the Session list shares with its parts: `state` (as read from the URL), `facets` (the
 * counts, or null while loading), `mentorNames` (id → name), `go(changes)` and `clearFilters(options)`.
 * Returns the elements to place and `sync()` (after the URL changed) and `loaded()` (after new counts).
 */
export function createFilters(list) {
  let focusAfterChips = null;
  let viewPart = null; // the date range and Mentor controls (list-view.js)

  const count = h('span', { class: 'count-badge', hidden: true });
  const button = filtersButton(count, () => (panel.hidden ? open() : close()));
  const { groups, form, panel } = filtersPanel({ onApply: apply, onClose: () => close() });

  const { chipList, applied } = appliedFilters(() => list.clearFilters());

  // --- the panel ------------------------------------------------------------------------------
  /** Draw the checkboxes; `keepTicks` keeps what the person ticked but has not applied yet. */
  function renderGroups({ keepTicks = false } = {}) {
    const { state, facets } = list;
    const ticked = keepTicks && form.querySelector('input') ? new FormData(form) : null;
    const focusedId = panel.contains(document.activeElement) ? document.activeElement.id : null;
    const isTicked = (key, value) => (ticked ? ticked.getAll(key).includes(value) : state.filters[key].includes(value));
    if (!facets) {
      fill(groups, h('p', { class: 'muted' }, 'The filter options are still loading; try again in a moment.'));
      return;
    }
    fill(groups, ...FILTER_GROUPS.map((group) => filterGroup(group, facets, state, isTicked)));
    if (!keepTicks || !viewPart)
      viewPart = viewControls(state, { mentorNames: list.mentorNames, canFindMentors: list.isManager });
    groups.append(...viewPart.elements);
    const refocus = focusedId && document.getElementById(focusedId);
    if (refocus) refocus.focus();
  }

  function open() {
    renderGroups();
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const first = panel.querySelector('input');
    (first || panel.querySelector('button')).focus();
  }

  function close({ focus = true } = {}) {
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (focus) button.focus();
  }

  function apply(event) {
    event.preventDefault();
    const data = new FormData(form);
    const filters = Object.fromEntries(FILTER_GROUPS.map((g) => [g.key, data.getAll(g.key)]));
    const { view, mentorIds, problems } = viewPart.read();
    if (problems.length) {
      problems[0].focus();
      return;
    }
    // Choosing statuses replaces the "Upcoming and live" preset.
    if (filters.statuses.length) view.allSessions = true;
    close();
    list.go({ filters, mentorIds, view, page: 1 });
  }

  // --- the chips ------------------------------------------------------------------------------
  function remove(key, value, index) {
    focusAfterChips = index;
    list.go(withoutChip(list.state, key, value));
  }

  function renderChips() {
    const { state, mentorNames } = list;
    const chips = appliedChips(state, mentorNames);
    fill(chipList, ...chips.map((chip, index) => chipItem(chip, () => remove(chip.key, chip.value, index))));
    applied.hidden = chips.length === 0;
    count.hidden = chips.length === 0;
    count.textContent = chips.length ? ` ${chips.length}` : '';
    if (focusAfterChips !== null) {
      const buttons = chipList.querySelectorAll('button');
      (buttons[Math.min(focusAfterChips, buttons.length - 1)] || button).focus();
      focusAfterChips = null;
    }
  }

  return {
    button,
    panel,
    applied,
    /** After the URL changed: the chips, and the open panel, show the new state. */
    sync() {
      renderChips();
      if (!panel.hidden) renderGroups();
    },
    /** After a page of sessions came: mentor names for the chips, new counts for the open panel. */
    loaded() {
      if (list.state.mentorIds.length) renderChips();
      if (!panel.hidden) renderGroups({ keepTicks: true });
    },
  };
}
