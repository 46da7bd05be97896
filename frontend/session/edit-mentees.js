// The mentees of a session on the Edit session tab: "+ Add New Mentee" invites one from a searchable
// list (inviteMentees); selecting mentees' names and pressing Remove takes them out (removeMentees).
// Both are saved at once, and the mentees get their email, as the buttons say.

import { graphql } from '../shared/graphql.js';
import { fill, h } from '../shared/dom.js';
import { ATTENDANCE_LABELS, plural } from '../shared/format.js';
import { peoplePicker } from '../shared/people-picker.js';
import { confirmDialog } from '../shared/confirm-dialog.js';

const MENTEE_FIELDS =
  'id menteeCount enrolledCount invitedCount seatsLimit seatsLeft mentees { id name email designation kind }';

const INVITE = `mutation InviteMentee($sessionId: ID!, $emails: [String!]!) {
  inviteMentees(sessionId: $sessionId, emails: $emails) { session { ${MENTEE_FIELDS} } errors { field code message } }
}`;
const REMOVE = `mutation RemoveMentees($sessionId: ID!, $menteeIds: [ID!]!) {
  removeMentees(sessionId: $sessionId, menteeIds: $menteeIds) { session { ${MENTEE_FIELDS} } errors { field code message } }
}`;

function countLine(session) {
  return `${plural(session.menteeCount, 'mentee')} (${session.enrolledCount} enrolled, ${session.invitedCount} invited) of ${session.seatsLimit} seats`;
}

/** The Mentees card for `session` (with mentees); `onChange(session)` runs after an invite or a removal. */
export function menteesCard(session, { onChange = () => {} } = {}) {
  let state = session;
  const selected = new Set();

  const count = h('p', { id: 'edit-mentee-count', class: 'mentee-count-line' });
  const list = h('ul', { id: 'edit-mentee-list', class: 'mentee-pick-list', 'aria-label': 'Mentees of this session' });
  const status = h('p', { id: 'edit-mentees-status', class: 'small', role: 'status' });
  const problem = h('p', { id: 'edit-mentees-error', class: 'field-error', role: 'alert', hidden: true });
  const removeButton = h(
    'button',
    {
      type: 'button',
      class: 'button button-danger',
      id: 'remove-mentees',
      disabled: true,
      'aria-describedby': 'edit-mentees-selection',
      onclick: () => removeSelected(),
    },
    'Remove',
  );
  const selection = h('span', { id: 'edit-mentees-selection', class: 'small muted' });

  const addButton = h(
    'button',
    {
      type: 'button',
      class: 'button',
      id: 'add-mentee',
      'aria-expanded': 'false',
      'aria-controls': 'add-mentee-panel',
      onclick: () => setAdding(addPanel.hidden),
    },
    '+ Add New Mentee',
  );
  const picker = peoplePicker({
    id: 'add-mentee-search',
    kind: 'mentees',
    isTaken: (person) => state.mentees.some((m) => m.id === person.id),
    takenText: 'already in this session',
    onPick: (person) => invite(person),
  });
  const addPanel = h(
    'div',
    { id: 'add-mentee-panel', class: 'add-mentee-panel', hidden: true },
    h('label', { for: 'add-mentee-search' }, 'Find a mentee by name or email'),
    picker.element,
    h('p', { class: 'hint' }, 'Pick a mentee to invite them now; they get an invitation by email.'),
  );
  addPanel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      setAdding(false);
      addButton.focus();
    }
  });

  function setAdding(open) {
    addPanel.hidden = !open;
    addButton.setAttribute('aria-expanded', String(open));
    if (open) picker.focus();
  }

  function showProblem(errors) {
    if (errors && errors.length) {
      fill(problem, h('span', { class: 'visually-hidden' }, 'Error: '), errors.map((e) => e.message).join(' '));
      problem.hidden = false;
    } else {
      problem.replaceChildren();
      problem.hidden = true;
    }
  }

  function syncSelection() {
    removeButton.disabled = selected.size === 0;
    selection.textContent = selected.size
      ? `${plural(selected.size, 'mentee')} selected: ${state.mentees
          .filter((m) => selected.has(m.id))
          .map((m) => m.name)
          .join(', ')}`
      : 'Select mentees’ names to remove them.';
  }

  function draw() {
    for (const id of [...selected]) if (!state.mentees.some((m) => m.id === id)) selected.delete(id);
    count.textContent = countLine(state);
    fill(
      list,
      state.mentees.length
        ? state.mentees.map((mentee) => {
            const toggle = h(
              'button',
              {
                type: 'button',
                class: 'mentee-name',
                'aria-pressed': String(selected.has(mentee.id)),
                'data-mentee-id': mentee.id,
                onclick: () => {
                  if (selected.has(mentee.id)) selected.delete(mentee.id);
                  else selected.add(mentee.id);
                  toggle.setAttribute('aria-pressed', String(selected.has(mentee.id)));
                  syncSelection();
                },
              },
              mentee.name,
            );
            return h(
              'li',
              { class: 'mentee-pick' },
              toggle,
              h(
                'span',
                { class: `badge badge-${mentee.kind.toLowerCase()}` },
                ATTENDANCE_LABELS[mentee.kind] || mentee.kind,
              ),
              h('span', { class: 'mentee-email small muted' }, mentee.email),
            );
          })
        : h('li', { class: 'muted' }, 'No mentees yet.'),
    );
    syncSelection();
  }

  /** Say what was saved, with an Undo button when `undo` is given (it runs the opposite change). */
  function saved(text, undo = null) {
    fill(
      status,
      `${text} ${countLine(state)}.`,
      undo ? ' ' : null,
      undo
        ? h(
            'button',
            {
              type: 'button',
              class: 'button-link',
              id: 'undo-mentees',
              onclick: undo,
            },
            'Undo',
          )
        : null,
    );
  }

  async function change(query, variables, done) {
    showProblem(null);
    status.textContent = 'Saving…';
    try {
      const data = await graphql(query, variables);
      const payload = data.inviteMentees || data.removeMentees;
      if (payload.errors.length) {
        status.textContent = '';
        showProblem(payload.errors);
        return false;
      }
      state = { ...state, ...payload.session };
      draw();
      saved(done);
      onChange(state);
      return true;
    } catch (error) {
      status.textContent = '';
      showProblem([{ message: error.message }]);
      return false;
    }
  }

  async function invite(person) {
    picker.input.value = '';
    const ok = await change(INVITE, { sessionId: state.id, emails: [person.email] }, `${person.name} is invited.`);
    if (!ok) return;
    saved(`${person.name} is invited and emailed.`, async () => {
      if (await change(REMOVE, { sessionId: state.id, menteeIds: [person.id] }, `${person.name} is no longer invited.`))
        addButton.focus();
    });
    picker.focus();
  }

  async function removeSelected() {
    const ids = [...selected];
    const chosen = state.mentees.filter((m) => selected.has(m.id));
    const names = chosen.map((m) => m.name);
    const enrolled = chosen.filter((m) => m.kind === 'ENROLLED');
    // Enrolled mentees chose to attend: taking them out is asked first.
    if (
      enrolled.length &&
      !(await confirmDialog({
        id: 'remove-enrolled-dialog',
        title: enrolled.length === 1 ? 'Remove an enrolled mentee?' : `Remove ${enrolled.length} enrolled mentees?`,
        text: `${enrolled.map((m) => m.name).join(', ')} enrolled in this session themselves. They will be removed now and emailed that they no longer have a seat.`,
        yes: 'Yes, remove',
      }))
    ) {
      removeButton.focus();
      return;
    }
    removeButton.disabled = true;
    const ok = await change(REMOVE, { sessionId: state.id, menteeIds: ids }, `Removed ${names.join(', ')}.`);
    if (!ok) syncSelection();
    const invitedOnly = chosen.filter((m) => m.kind === 'INVITED');
    if (ok && invitedOnly.length === chosen.length) {
      saved(`Removed ${names.join(', ')} and emailed them.`, async () => {
        await change(
          INVITE,
          { sessionId: state.id, emails: invitedOnly.map((m) => m.email) },
          `${names.join(', ')} invited again.`,
        );
      });
    }
    (list.querySelector('button') || addButton).focus();
  }

  draw();
  return h(
    'section',
    { class: 'card', id: 'edit-mentees', 'aria-labelledby': 'edit-mentees-heading' },
    h('h2', { id: 'edit-mentees-heading' }, 'Mentees ', h('span', { class: 'badge badge-immediate' }, 'Saved at once')),
    count,
    h(
      'p',
      { class: 'hint' },
      'Unlike the form’s fields, which wait for Save, mentees are invited and removed at once and emailed; Undo takes back the last invitation or removal of invited mentees. To remove mentees, select their names, then Remove.',
    ),
    problem,
    list,
    h('div', { class: 'actions' }, removeButton, addButton),
    selection,
    addPanel,
    status,
  );
}
