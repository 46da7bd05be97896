// A pick-list with type-ahead for values of the organisation's lists: the chosen values as chips
// (each with its own remove button) and a combobox input that filters the list as you type.
// `multiple: false` keeps one value (the medium). Keyboard: ↓/↑ move, Enter picks (the first match
// when none is highlighted), Escape closes,
// Backspace in an empty input removes the last value.

import { fill, h } from './dom.js';
import { icon } from './icons.js';
import { closestValue, matchKey } from '../vocabulary/vocabulary.js';

/** The chips of the chosen values, the combobox and its list of options. */
function pickerElements(id, multiple) {
  const listId = `${id}-options`;
  const chips = h('ul', { class: 'chips picker-chips', id: `${id}-chosen`, 'aria-label': 'Chosen' });
  const input = comboboxInput(id, listId, multiple);
  const list = h('ul', { id: listId, role: 'listbox', class: 'picker-options', hidden: true });
  const element = h('div', { class: 'value-picker' }, chips, h('div', { class: 'picker-box' }, input, list));
  return { chips, input, list, element };
}

/** Enter picks the highlighted value, or else the first value matching what was typed. */
function enterKey(event, { isOpen, active, shown, typed, pick }) {
  if (isOpen && active >= 0) {
    event.preventDefault();
    pick(shown[active]);
  } else if (typed && shown.length) {
    event.preventDefault();
    pick(shown[0]);
  } else if (typed) {
    event.preventDefault(); // an unmatched text is never sent by accident
  }
}

/** Values the session has, in the list's spelling when the list knows them. */
function inListSpelling(chosen, known) {
  const byKey = new Map(known.map((value) => [matchKey(value), value]));
  return [...new Set(chosen.map((value) => byKey.get(matchKey(value)) || value))];
}

function comboboxInput(id, listId, multiple) {
  return h('input', {
    id,
    type: 'text',
    role: 'combobox',
    autocomplete: 'off',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    class: 'picker-input',
    placeholder: multiple ? 'Type to find a value' : 'Type to find the value',
  });
}

function valueChip(value, onRemove) {
  return h(
    'li',
    { class: 'chip' },
    h('span', {}, value),
    h(
      'button',
      {
        type: 'button',
        class: 'chip-remove',
        'aria-label': `Remove ${value}`,
        title: `Remove ${value}`,
        onclick: onRemove,
      },
      icon('close'),
    ),
  );
}

/** The matching values as options (a mouse press picks one), or why there are none. */
function optionItems({ id, shown, known, onPick, suggested }) {
  if (!shown.length) {
    return h(
      'li',
      { class: 'picker-empty', role: 'option', 'aria-disabled': 'true', 'aria-selected': 'false' },
      known.length
        ? 'No other value of the list matches.'
        : 'The list is empty; a session manager adds values on the Vocabulary page.',
    );
  }
  return shown.map((value, index) =>
    h(
      'li',
      {
        id: `${id}-option-${index}`,
        role: 'option',
        class: 'picker-option',
        'aria-selected': 'false',
        onmousedown: (event) => {
          event.preventDefault();
          onPick(value);
        },
      },
      suggested ? `Did you mean ${value}?` : value,
    ),
  );
}

function highlightOption(list, input, active) {
  [...list.querySelectorAll('.picker-option')].forEach((option, index) => {
    option.setAttribute('aria-selected', String(index === active));
    option.classList.toggle('is-active', index === active);
    if (index === active) {
      input.setAttribute('aria-activedescendant', option.id);
      option.scrollIntoView({ block: 'nearest' });
    }
  });
}

/**
 * The values not chosen yet that contain what was typed; when none does, the closest one as a suggestion, as the
 * API and the CSV say "did you mean …?".
 */
function matchingValues(text, known, chosen) {
  const typed = matchKey(text);
  const free = known.filter((value) => !chosen.includes(value));
  const shown = free.filter((value) => matchKey(value).includes(typed));
  const suggestion = !shown.length && typed ? closestValue(text, free) : null;
  return suggestion ? { shown: [suggestion], suggested: true } : { shown, suggested: false };
}

/** The chosen values; text typed but not picked is read too, never dropped (the server asks "did you mean …?"). */
function readPicked(input, chosen, multiple) {
  const typed = input.value.trim();
  if (!multiple) return typed || chosen[0] || '';
  return typed && !chosen.includes(typed) ? [...chosen, typed] : [...chosen];
}

/**
 * { element, control, read(), setOptions(values) }: `control` is the input (give it to `field` as the
 * labelled control and `element` as its widget); read() → [values] (or the value, '' when none, for
 * `multiple: false`).
 */
function drawChips(chips, chosen, onRemove) {
  fill(
    chips,
    chosen.map((value) => valueChip(value, () => onRemove(value))),
  );
  chips.hidden = chosen.length === 0;
}

export function valuePicker({ id, selected = [], multiple = true, options = [] }) {
  let chosen = [...selected].filter(Boolean);
  let known = [...options];
  let active = -1;
  let shown = [];
  const { chips, input, list, element } = pickerElements(id, multiple);

  const renderChips = () =>
    drawChips(chips, chosen, (value) => {
      remove(value);
      input.focus();
    });

  function remove(value) {
    chosen = chosen.filter((v) => v !== value);
    renderChips();
    element.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function pick(value) {
    chosen = multiple ? [...chosen.filter((v) => v !== value), value] : [value];
    input.value = '';
    renderChips();
    close();
    element.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function open() {
    let suggested;
    ({ shown, suggested } = matchingValues(input.value, known, chosen));
    active = -1;
    fill(list, optionItems({ id, shown, known, onPick: pick, suggested }));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight();
  }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function highlight() {
    highlightOption(list, input, active);
  }

  input.addEventListener('input', open);
  input.addEventListener('focus', open);
  input.addEventListener('blur', close);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (list.hidden) open();
      if (!shown.length) return;
      active = (active + (event.key === 'ArrowDown' ? 1 : -1) + shown.length) % shown.length;
      highlight();
    } else if (event.key === 'Enter') {
      enterKey(event, { isOpen: !list.hidden, active, shown, typed: input.value.trim(), pick });
    } else if (event.key === 'Escape' && !list.hidden) {
      event.preventDefault();
      close();
    } else if (event.key === 'Backspace' && !input.value && chosen.length) {
      remove(chosen[chosen.length - 1]);
    }
  });

  renderChips();
  return {
    element,
    control: input,
    read: () => readPicked(input, chosen, multiple),
    /** Choose exactly `values` (what another person saved). */
    set(values) {
      chosen = [...values].filter(Boolean);
      renderChips();
    },
    setOptions(values) {
      known = [...values];
      chosen = inListSpelling(chosen, known);
      renderChips();
      if (document.activeElement === input) open();
    },
  };
}
