// The mentees of a session on the Edit session tab: "+ Add New Mentee" invites one from a searchable
// list (inviteMentees); selecting mentees' names and pressing Remove takes them out (removeMentees).
// Both are saved at once, and the mentees get their email, as the buttons say.

import { graphql } from './graphql.js';
import { fill, h } from './dom.js';
import { ATTENDANCE_LABELS, plural } from './format.js';
import { peoplePicker } from './people-picker.js';

const MENTEE_FIELDS = 'id menteeCount enrolledCount invitedCount seatsLimit seatsLeft mentees { id name email designation kind }';

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
  const removeButton = h('button', {
    type: 'button', class: 'button button-danger', id: 'remove-mentees', disabled: true, 'aria-describedby': 'edit-mentees-selection',
    onclick: () => removeSelected(),
  }, 'Remove');
  const selection = h('span', { id: 'edit-mentees-selection', class: 'small muted' });

  const addButton = h('button', {
    type: 'button', class: 'button', id: 'add-mentee', 'aria-expanded': 'false', 'aria-controls': 'add-mentee-panel',
    onclick: () => setAdding(addPanel.hidden),
  }, '+ Add New Mentee');
  const picker = peoplePicker({
    id: 'add-mentee-search',
    kind: 'mentees',
    isTaken: (person) => state.mentees.some((m) => m.id === person.id),
    takenText: 'already in this session',
    onPick: (person) => invite(person),
  });
  const addPanel = h('div', { id: 'add-mentee-panel', class: 'add-mentee-panel', hidden: true },
    h('label', { for: 'add-mentee-search' }, 'Find a mentee by name or email'),
    picker.element,
    h('p', { class: 'hint' }, 'Pick a mentee to invite them now; they get an invitation by email.'));
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
      ? `${plural(selected.size, 'mentee')} selected: ${state.mentees.filter((m) => selected.has(m.id)).map((m) => m.name).join(', ')}`
      : 'Select mentees’ names to remove them.';
  }

  function draw() {
    for (const id of [...selected]) if (!state.mentees.some((m) => m.id === id)) selected.delete(id);
    count.textContent = countLine(state);
    fill(list, state.mentees.length
      ? state.mentees.map((mentee) => {
        const toggle = h('button', {
          type: 'button', class: 'mentee-name', 'aria-pressed': String(selected.has(mentee.id)), 'data-mentee-id': mentee.id,
          onclick: () => {
            if (selected.has(mentee.id)) selected.delete(mentee.id);
            else selected.add(mentee.id);
            toggle.setAttribute('aria-pressed', String(selected.has(mentee.id)));
            syncSelection();
          },
        }, mentee.name);
        return h('li', { class: 'mentee-pick' },
          toggle,
          h('span', { class: `badge badge-${mentee.kind.toLowerCase()}` }, ATTENDANCE_LABELS[mentee.kind] || mentee.kind),
          h('span', { class: 'mentee-email small muted' }, mentee.email));
      })
      : h('li', { class: 'muted' }, 'No mentees yet.'));
    syncSelection();
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
      status.textContent = `${done} ${countLine(state)}.`;
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
    if (ok) picker.focus();
  }

  async function removeSelected() {
    const ids = [...selected];
    const names = state.mentees.filter((m) => selected.has(m.id)).map((m) => m.name);
    removeButton.disabled = true;
    const ok = await change(REMOVE, { sessionId: state.id, menteeIds: ids }, `Removed ${names.join(', ')}.`);
    if (!ok) syncSelection();
    (list.querySelector('button') || addButton).focus();
  }

  draw();
  return h('section', { class: 'card', id: 'edit-mentees', 'aria-labelledby': 'edit-mentees-heading' },
    h('h2', { id: 'edit-mentees-heading' }, 'Mentees'),
    count,
    h('p', { class: 'hint' }, 'To remove mentees, select their names, then Remove. Changes here are saved at once and emailed to the mentees.'),
    problem,
    list,
    h('div', { class: 'actions' }, removeButton, addButton),
    selection,
    addPanel,
    status);
}
