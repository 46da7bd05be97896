// Form fields with their label, hint and error beside them, and the error summary of a form.
//
// A field is registered under the name the API uses in `errors { field }` (title, startsAt,
// meeting.link…), so a refusal lands next to the control it is about. Showing errors never touches
// what the person typed.

import { fill, h } from './dom.js';

let counter = 0;

/** A unique element id for generated controls. */
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

function describe(control, ids) {
  const current = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  const wanted = [...new Set([...current, ...ids])];
  if (wanted.length) control.setAttribute('aria-describedby', wanted.join(' '));
}

/**
 * One labelled control: { element, control, error(messages), focus() }.
 * `control` needs an id; `hint` is text (or an element) read with the control; `widget` is what to
 * show in its place when the control sits inside something bigger (a combobox with its list).
 */
// A hint longer than this is help read once, not on every visit: it waits behind a "?" button beside the label
// (the control is still described by it, so screen readers hear it as before).
const SHORT_HINT = 70;

/** The label, and for a long hint the "?" button that shows it. */
function labelRow(label, control, hint, hintElement) {
  if (!hint || String(hint).length <= SHORT_HINT) return h('label', { for: control.id }, label);
  hintElement.hidden = true;
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'hint-toggle',
      'aria-expanded': 'false',
      'aria-controls': hintElement.id,
      'aria-label': `Help: ${label}`,
      title: 'Help',
    },
    '?',
  );
  toggle.addEventListener('click', () => {
    hintElement.hidden = !hintElement.hidden;
    toggle.setAttribute('aria-expanded', String(!hintElement.hidden));
  });
  return h('div', { class: 'field-label-row' }, h('label', { for: control.id }, label), toggle);
}

export function field({ label, control, hint = null, className = '', widget = null }) {
  const hintId = `${control.id}-hint`;
  const errorId = `${control.id}-error`;
  const hintElement = hint ? h('p', { id: hintId, class: 'hint' }, hint) : null;
  const errorElement = h('p', { id: errorId, class: 'field-error', hidden: true });
  describe(control, [hint ? hintId : null, errorId].filter(Boolean));
  const element = h(
    'div',
    { class: `field ${className}`.trim() },
    labelRow(label, control, hint, hintElement),
    hintElement,
    errorElement,
    widget || control,
  );
  return {
    element,
    control,
    error: (messages) => showError(errorElement, [control], messages),
    focus: () => control.focus(),
  };
}

/**
 * Several controls under one legend (date, time and time zone): { element, error(messages), focus() }.
 * `parts` are elements (usually `field(...).element`); `controls` the inputs marked invalid on error.
 */
export function group({ id, legend, parts, controls, hint = null, className = '' }) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const hintElement = hint ? h('p', { id: hintId, class: 'hint' }, hint) : null;
  const errorElement = h('p', { id: errorId, class: 'field-error', hidden: true });
  for (const control of controls) describe(control, [errorId]);
  const element = h(
    'fieldset',
    { id, class: `field-group ${className}`.trim(), 'aria-describedby': hint ? hintId : false },
    h('legend', {}, legend),
    hintElement,
    errorElement,
    h('div', { class: 'field-row' }, parts),
  );
  return {
    element,
    error: (messages) => showError(errorElement, controls, messages),
    focus: () => controls[0].focus(),
  };
}

function showError(errorElement, controls, messages) {
  const list = messages || [];
  if (list.length) {
    fill(errorElement, h('span', { class: 'visually-hidden' }, 'Error: '), list.join(' '));
    errorElement.hidden = false;
    for (const control of controls) control.setAttribute('aria-invalid', 'true');
  } else {
    errorElement.replaceChildren();
    errorElement.hidden = true;
    for (const control of controls) control.removeAttribute('aria-invalid');
  }
}

/**
 * The refusals of one form: `show(errors)` puts each `{ field, message }` next to its field and lists
 * them all in the summary (focused, so the keyboard and screen reader start there); `clear()` removes them.
 */
export class FormErrors {
  constructor() {
    this.fields = new Map();
    this.summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  }

  /** Register a field (from `field` or `group`) under one or more API field names. */
  add(names, target) {
    for (const name of [].concat(names)) this.fields.set(name, target);
    return target;
  }

  clear() {
    for (const target of new Set(this.fields.values())) target.error([]);
    this.summary.replaceChildren();
    this.summary.hidden = true;
  }

  /** Show `errors` ([{ field, message }]); returns true when there were any. */
  show(errors, { heading = 'There is a problem' } = {}) {
    this.clear();
    if (!errors.length) return false;
    const byTarget = new Map();
    for (const error of errors) {
      const target = this.fields.get(error.field);
      if (!target) continue;
      if (!byTarget.has(target)) byTarget.set(target, []);
      byTarget.get(target).push(error.message);
    }
    for (const [target, messages] of byTarget) target.error(messages);
    fill(
      this.summary,
      h('h2', {}, heading),
      h(
        'ul',
        {},
        errors.map((error) => {
          const target = this.fields.get(error.field);
          if (!target) return h('li', {}, error.message);
          return h(
            'li',
            {},
            h(
              'a',
              {
                href: '#',
                onclick: (event) => {
                  event.preventDefault();
                  target.focus();
                },
              },
              error.message,
            ),
          );
        }),
      ),
    );
    this.summary.hidden = false;
    this.summary.focus();
    return true;
  }
}

/** A comma-separated list as its trimmed, non-empty values. */
export function splitList(text) {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** A whole number typed in a field, or null when empty; NaN when it is not one. */
export function wholeNumber(text) {
  const value = text.trim();
  if (!value) return null;
  return /^\d+$/.test(value) ? Number(value) : Number.NaN;
}
