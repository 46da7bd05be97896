// Workspace → Vocabulary (/workspace/vocabulary): the organisation's lists of categories, "recommended
// for" values and mediums, which every session form picks from. Managers add values, rename them (on
// every session too; renaming to another value of the list merges the two) and remove unused ones.

import { breadcrumbs, errorMessage, fill, h, loadingMessage } from '../common/dom.js';
import { field, uniqueId } from '../common/forms.js';
import { graphql } from '../common/graphql.js';
import { registerRoute, setPageTitle } from '../common/router.js';
import { forgetVocabulary, matchKey, VOCABULARY_QUERY } from './vocabulary.js';
import { confirmDialog } from '../common/confirm-dialog.js';

const KINDS = [
  { kind: 'CATEGORY', key: 'categories', title: 'Categories', one: 'category', example: 'Life skills' },
  { kind: 'RECOMMENDED_FOR', key: 'recommendedFor', title: 'Recommended for', one: 'value', example: 'Head teachers' },
  { kind: 'MEDIUM', key: 'mediums', title: 'Mediums', one: 'medium', example: 'Kannada' },
];
const PAYLOAD = 'vocabulary { categories recommendedFor mediums } errors { field code message }';
const ADD = `mutation AddVocabularyValue($kind: VocabularyKind!, $value: String!) {
  addVocabularyValue(kind: $kind, value: $value) { ${PAYLOAD} } }`;
const RENAME = `mutation RenameVocabularyValue($kind: VocabularyKind!, $from: String!, $to: String!) {
  renameVocabularyValue(kind: $kind, from: $from, to: $to) { ${PAYLOAD} } }`;
const REMOVE = `mutation RemoveVocabularyValue($kind: VocabularyKind!, $value: String!) {
  removeVocabularyValue(kind: $kind, value: $value) { ${PAYLOAD} } }`;

/** Removing a value asks first. */
function confirmRemove(value) {
  return confirmDialog({
    id: 'vocabulary-remove',
    title: `Remove “${value}”?`,
    text: `“${value}” leaves the list, and new sessions can no longer pick it.`,
    yes: 'Remove',
  });
}

/** Renaming a value onto another value of the list merges the two: asked first. True when there is nothing to ask. */
function confirmMerge(value, newName, values) {
  const existing = values.find((other) => other !== value && matchKey(other) === matchKey(newName));
  if (!existing) return Promise.resolve(true);
  return confirmDialog({
    id: 'vocabulary-merge',
    title: `Merge “${value}” into “${existing}”?`,
    text: `“${existing}” is already in the list. Every session with “${value}” gets “${existing}” instead, and “${value}” leaves the list. This cannot be undone.`,
    yes: 'Merge',
  });
}

/** A value of the list with Rename (an inline form in its place) and Remove, for managers. */
function valueRow(value, { canChange, run, values }) {
  const row = h('li', { class: 'vocabulary-value' });
  const showValue = () =>
    fill(
      row,
      h('span', {}, value),
      canChange
        ? h(
            'span',
            { class: 'vocabulary-value-actions' },
            h(
              'button',
              { type: 'button', class: 'button button-quiet', 'aria-label': `Rename ${value}`, onclick: startRename },
              'Rename',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'button button-danger',
                'aria-label': `Remove ${value}`,
                onclick: async () => {
                  if (await confirmRemove(value)) run(REMOVE, { value }, `“${value}” is removed.`);
                },
              },
              'Remove',
            ),
          )
        : null,
    );
  function startRename() {
    const input = h('input', { type: 'text', id: uniqueId('rename'), value, maxlength: '100', autocomplete: 'off' });
    const form = h(
      'form',
      {
        class: 'vocabulary-add',
        onsubmit: async (event) => {
          event.preventDefault();
          if (!(await confirmMerge(value, input.value, values))) return;
          run(RENAME, { from: value, to: input.value }, `“${value}” is now “${input.value.trim()}” on every session.`);
        },
      },
      field({ label: `New name for ${value}`, control: input }).element,
      h('button', { type: 'submit', class: 'button button-primary' }, 'Save'),
      h('button', { type: 'button', class: 'button', onclick: showValue }, 'Cancel'),
    );
    fill(row, form);
    input.focus();
    input.select();
  }
  showValue();
  return row;
}

/** One list: its values with Rename and Remove, and a form to add a value. */
function listSection(spec, values, { change, canChange, message }) {
  const status = h('p', { class: 'form-status', role: 'status', id: `vocabulary-${spec.key}-status` });
  const problem = h('p', { class: 'field-error', role: 'alert', hidden: true, id: `vocabulary-${spec.key}-problem` });
  const say = (text, isProblem = false) => {
    status.textContent = isProblem ? '' : text;
    problem.textContent = isProblem ? text : '';
    problem.hidden = !isProblem;
  };
  if (message) say(message);
  // On success the page is drawn again with the lists as they now are, and `done` said there.
  const run = async (mutation, variables, done) => {
    const result = await change(mutation, { kind: spec.kind, ...variables }, done);
    if (result.errors.length) say(result.errors.map((e) => e.message).join(' '), true);
  };
  const items = values.map((value) => valueRow(value, { canChange, run, values }));
  const input = h('input', { type: 'text', id: `vocabulary-add-${spec.key}`, maxlength: '100', autocomplete: 'off' });
  const add = canChange
    ? h(
        'form',
        {
          class: 'vocabulary-add',
          onsubmit: (event) => {
            event.preventDefault();
            run(ADD, { value: input.value }, `“${input.value.trim()}” is added.`);
          },
        },
        field({ label: `Add a ${spec.one}`, control: input, hint: `For example ${spec.example}.` }).element,
        h('button', { type: 'submit', class: 'button' }, 'Add'),
      )
    : null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': `vocabulary-${spec.key}-title` },
    h(
      'h2',
      { id: `vocabulary-${spec.key}-title` },
      spec.title,
      ' ',
      h('span', { class: 'count-badge' }, String(values.length)),
    ),
    values.length
      ? h('ul', { class: 'vocabulary-values', 'aria-label': spec.title }, items)
      : h('p', { class: 'muted' }, 'No values yet.'),
    add,
    status,
    problem,
  );
}

export function renderVocabulary(main, ctx) {
  setPageTitle('Vocabulary');
  const canChange = (ctx.viewer?.roles || []).includes('MANAGER');
  const body = h('div', { class: 'vocabulary-body' });
  main.append(
    breadcrumbs({ Workspace: '/workspace' }, 'Vocabulary'),
    h('h1', {}, 'Vocabulary'),
    h(
      'p',
      { class: 'lead' },
      canChange
        ? 'The values sessions can use. Forms, the API and bulk uploads accept them in any case, spacing or punctuation; renaming a value renames it on every session.'
        : 'The values sessions can use. Only session managers can change these lists.',
    ),
    body,
  );

  function show(vocabulary, done = null) {
    fill(
      body,
      h(
        'div',
        { class: 'vocabulary-grid' },
        KINDS.map((spec) =>
          listSection(spec, vocabulary[spec.key], {
            change,
            canChange,
            message: done && done.key === spec.key ? done.text : null,
          }),
        ),
      ),
    );
    if (done) document.getElementById(`vocabulary-add-${done.key}`)?.focus();
  }

  async function change(mutation, variables, doneText) {
    const spec = KINDS.find((k) => k.kind === variables.kind);
    const data = await graphql(mutation, variables);
    const payload = Object.values(data)[0];
    if (!payload.errors.length) {
      forgetVocabulary();
      show(payload.vocabulary, { key: spec.key, text: doneText });
    }
    return payload;
  }

  async function load() {
    fill(body, loadingMessage('Loading the lists…'));
    try {
      show((await graphql(VOCABULARY_QUERY, {}, { signal: ctx.signal })).vocabulary);
    } catch (error) {
      if (error.name !== 'AbortError') fill(body, errorMessage('The lists could not be loaded.', error, load));
    }
  }
  load();
}

registerRoute('/workspace/vocabulary', renderVocabulary);
