// A searchable picker of the organisation's mentors or mentees (findMentors / findMentees): a
// combobox with a list of matches, used with the mouse or the keyboard (arrows, Enter, Escape).

import { graphql } from './graphql.js';
import { fill, h } from './dom.js';
import { uniqueId } from './forms.js';
import { plural } from './format.js';

const FIND = {
  mentees: `query FindMentees($search: String) { people: findMentees(search: $search, first: 20) { id name email designation } }`,
  mentors: `query FindMentors($search: String) { people: findMentors(search: $search, first: 20) { id name email designation } }`,
};
const WAIT_MS = 200;

function optionId(pickerId, index) {
  return `${pickerId}-option-${index}`;
}

/** The combobox, its list of options and its status line, with the active option; Escape and leaving close it. */
function pickerView({ id, kind, placeholder }) {
  const listId = `${id}-options`;
  const statusId = uniqueId(`${id}-status`);
  const input = h('input', {
    id,
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder,
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
  });
  const listbox = h('ul', {
    id: listId,
    class: 'picker-options',
    role: 'listbox',
    'aria-label': `Matching ${kind}`,
    hidden: true,
  });
  const status = h('p', { id: statusId, class: 'visually-hidden', role: 'status' });
  const element = h('div', { class: 'picker' }, input, listbox, status);
  let active = -1;

  function setActive(index) {
    const options = listbox.querySelectorAll('[role="option"]');
    active = index;
    options.forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
    if (index >= 0 && options[index]) {
      input.setAttribute('aria-activedescendant', optionId(id, index));
      options[index].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function open() {
    listbox.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  function close() {
    listbox.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    setActive(-1);
  }

  input.addEventListener('blur', () => close());
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !listbox.hidden) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });

  /** Shows `options` (list items) and says `text` to screen readers. */
  function show(options, text) {
    fill(listbox, options);
    open();
    setActive(-1);
    status.textContent = text;
  }

  return { element, input, listbox, setActive, open, close, show, active: () => active };
}

function personOption(person, { id, taken, takenText, onPick }) {
  return h(
    'li',
    {
      id,
      role: 'option',
      class: 'picker-option',
      'aria-selected': 'false',
      'aria-disabled': taken ? 'true' : false,
      // mousedown would take the focus from the input (and close the list) before the click lands.
      onmousedown: (event) => event.preventDefault(),
      onclick: onPick,
    },
    h('span', { class: 'picker-name' }, person.name),
    ' ',
    h('span', { class: 'picker-email' }, person.email),
    taken ? h('span', { class: 'picker-taken' }, ` (${takenText})`) : null,
  );
}

function emptyOption(text) {
  return h('li', { class: 'picker-empty', role: 'presentation' }, text);
}

function foundText(count, kind) {
  return count
    ? `${plural(count, kind.slice(0, -1))} found; use the arrow keys to choose, Enter to pick.`
    : `No ${kind} found.`;
}

/**
 * A picker of `kind` 'mentees' or 'mentors'. `onPick(person)` runs when one is chosen; `isTaken(person)`
 * marks people who cannot be picked again (already in the session), with `takenText` beside them.
 * Returns { element, input, listbox, focus(), close() }; `input` has the id `id`.
 */
export function peoplePicker({
  id,
  kind,
  onPick,
  isTaken = () => false,
  takenText = 'already added',
  placeholder = 'Name or email',
}) {
  const view = pickerView({ id, kind, placeholder });
  const { element, input, listbox, setActive, open, close } = view;

  let people = [];
  let timer = null;
  let controller = null;
  let asked = null;

  function pick(index) {
    const person = people[index];
    if (!person || isTaken(person)) return;
    close();
    onPick(person);
  }

  function render() {
    const options = people.map((person, i) =>
      personOption(person, { id: optionId(id, i), taken: isTaken(person), takenText, onPick: () => pick(i) }),
    );
    view.show(
      options.length ? options : emptyOption(`No ${kind} match “${input.value.trim()}”.`),
      foundText(people.length, kind),
    );
  }

  async function search() {
    const text = input.value.trim();
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    try {
      const data = await graphql(FIND[kind], { search: text || null }, { signal });
      if (signal.aborted) return;
      people = data.people;
      asked = text;
      if (document.activeElement === input) render();
    } catch (error) {
      if (signal.aborted) return;
      people = [];
      fill(listbox, emptyOption(`The ${kind} could not be found: ${error.message}`));
      open();
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(search, WAIT_MS);
  }

  input.addEventListener('input', soon);
  input.addEventListener('focus', () => {
    if (asked === input.value.trim() && people.length) render();
    else soon();
  });
  input.addEventListener('keydown', (event) => {
    const count = people.length;
    const active = view.active();
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (listbox.hidden) {
        if (asked === input.value.trim()) render();
        else search();
        return;
      }
      if (count) setActive((active + 1) % count);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (count && !listbox.hidden) setActive(active <= 0 ? count - 1 : active - 1);
    } else if (event.key === 'Enter') {
      // Enter picks; it never submits the form the picker sits in.
      event.preventDefault();
      if (!listbox.hidden && active >= 0) pick(active);
      else if (!listbox.hidden && count === 1) pick(0);
    }
  });

  return { element, input, listbox, focus: () => input.focus(), close };
}
