// The mentees of a session on the Edit session tab: "+ Add New Mentee" invites one from a searchable
// list (inviteMentees); selecting mentees' names and pressing Remove takes them out (removeMentees).
// Both are saved at once, and the mentees get their email, as the buttons say.

import { graphql } from '../common/graphql.js';
import { fill, h } from '../common/dom.js';
import { ATTENDANCE_LABELS, plural } from '../common/format.js';
import { peoplePicker } from '../common/people-picker.js';
import { confirmDialog } from '../common/confirm-dialog.js';

const MENTEE_FIELDS =
  'id version menteeCount enrolledCount invitedCount seatsLimit seatsLeft mentees { id name email designation kind }';

const INVITE = `mutation InviteMentee($sessionId: ID!, $emails: [String!]!, $expectedVersion: Int) {
  inviteMentees(sessionId: $sessionId, emails: $emails, expectedVersion: $expectedVersion) { session { ${MENTEE_FIELDS} } errors { field code message } }
}`;
const REMOVE = `mutation RemoveMentees($sessionId: ID!, $menteeIds: [ID!]!, $expectedVersion: Int) {
  removeMentees(sessionId: $sessionId, menteeIds: $menteeIds, expectedVersion: $expectedVersion) { session { ${MENTEE_FIELDS} } errors { field code message } }
}`;

function countLine(session) {
  return `${plural(session.menteeCount, 'mentee')} (${session.enrolledCount} enrolled, ${session.invitedCount} invited) of ${session.seatsLimit} seats`;
}

function showProblem(problem, errors) {
  if (errors && errors.length) {
    fill(problem, h('span', { class: 'visually-hidden' }, 'Error: '), errors.map((e) => e.message).join(' '));
    problem.hidden = false;
  } else {
    problem.replaceChildren();
    problem.hidden = true;
  }
}

/** A mentee's name as a toggle button (selected for removal or not), their attendance and email. */
function menteeRow(mentee, selected, onToggle) {
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
        onToggle();
      },
    },
    mentee.name,
  );
  return h(
    'li',
    { class: 'mentee-pick' },
    toggle,
    h('span', { class: `badge badge-${mentee.kind.toLowerCase()}` }, ATTENDANCE_LABELS[mentee.kind] || mentee.kind),
    h('span', { class: 'mentee-email small muted' }, mentee.email),
  );
}

function selectionText(mentees, selected) {
  if (!selected.size) return 'Select mentees’ names to remove them.';
  const names = mentees.filter((m) => selected.has(m.id)).map((m) => m.name);
  return `${plural(selected.size, 'mentee')} selected: ${names.join(', ')}`;
}

function menteeItems(mentees, selected, onToggle) {
  if (!mentees.length) return h('li', { class: 'muted' }, 'No mentees yet.');
  return mentees.map((mentee) => menteeRow(mentee, selected, onToggle));
}

function menteePicker({ isTaken, onPick }) {
  return peoplePicker({
    id: 'add-mentee-search',
    kind: 'mentees',
    isTaken,
    takenText: 'already in this session',
    onPick,
  });
}

/** Undo of removing invited mentees: `change` invites them again. */
async function inviteAgain(change, sessionId, mentees) {
  const names = mentees.map((m) => m.name);
  await change(INVITE, { sessionId, emails: mentees.map((m) => m.email) }, `${names.join(', ')} invited again.`);
}

function undoButton(undo) {
  return h('button', { type: 'button', class: 'button-link', id: 'undo-mentees', onclick: undo }, 'Undo');
}

/** The search that invites a mentee; Escape closes it (`onClose`). */
function addMenteePanel(picker, onClose) {
  const panel = h(
    'div',
    { id: 'add-mentee-panel', class: 'add-mentee-panel', hidden: true },
    h('label', { for: 'add-mentee-search' }, 'Find a mentee by name or email'),
    picker.element,
    h('p', { class: 'hint' }, 'Pick a mentee to invite them now; they get an invitation by email.'),
  );
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    }
  });
  return panel;
}

/** Enrolled mentees chose to attend: taking them out is asked first. */
function confirmRemovingEnrolled(enrolled) {
  return confirmDialog({
    id: 'remove-enrolled-dialog',
    title: enrolled.length === 1 ? 'Remove an enrolled mentee?' : `Remove ${enrolled.length} enrolled mentees?`,
    text: `${enrolled.map((m) => m.name).join(', ')} enrolled in this session themselves. They will be removed now and emailed that they no longer have a seat.`,
    yes: 'Yes, remove',
  });
}

/** The card's parts that change: counts, the list, messages and the buttons. */
function cardParts({ onRemove, onAdd }) {
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
      onclick: onRemove,
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
      onclick: onAdd,
    },
    '+ Add New Mentee',
  );
  return { count, list, status, problem, removeButton, selection, addButton };
}

/** Sends an invitation or a removal: { session } when saved, { errors } when refused or failed. */
/** Send an invite or a removal of the session at `version` ({ current }, when given), which follows it. */
async function sendMenteeChange(query, variables, version) {
  try {
    const data = await graphql(query, { ...variables, expectedVersion: version?.current });
    const payload = data.inviteMentees || data.removeMentees;
    if (payload.errors.length) return { errors: payload.errors };
    if (version) version.current = payload.session.version;
    return { session: payload.session };
  } catch (error) {
    return { errors: [{ message: error.message }] };
  }
}

function cardSection({ count, problem, list, removeButton, addButton, selection, addPanel, status }) {
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

/**
 * The Mentees card for `session` (with mentees); `onChange(session)` runs after an invite or a removal.
 * `version` ({ current }, the page's) is sent as expectedVersion and follows each change made here.
 */
export function menteesCard(session, { onChange = () => {}, version = null } = {}) {
  let state = session;
  const selected = new Set();

  const { count, list, status, problem, removeButton, selection, addButton } = cardParts({
    onRemove: () => removeSelected(),
    // A second press keeps the panel open (and goes back to its search): it closes by its own Close button.
    onAdd: () => setAdding(true),
  });
  const picker = menteePicker({
    isTaken: (person) => state.mentees.some((m) => m.id === person.id),
    onPick: (person) => invite(person),
  });
  const addPanel = addMenteePanel(picker, () => {
    setAdding(false);
    addButton.focus();
  });

  function setAdding(open) {
    addPanel.hidden = !open;
    addButton.setAttribute('aria-expanded', String(open));
    if (open) picker.focus();
  }

  function syncSelection() {
    removeButton.disabled = selected.size === 0;
    selection.textContent = selectionText(state.mentees, selected);
  }

  function draw() {
    for (const id of [...selected]) if (!state.mentees.some((m) => m.id === id)) selected.delete(id);
    count.textContent = countLine(state);
    fill(list, menteeItems(state.mentees, selected, syncSelection));
    syncSelection();
  }

  /** Say what was saved, with an Undo button when `undo` is given (it runs the opposite change). */
  function saved(text, undo = null) {
    fill(status, `${text} ${countLine(state)}.`, undo ? ' ' : null, undo ? undoButton(undo) : null);
  }

  async function change(query, variables, done) {
    showProblem(problem, null);
    status.textContent = 'Saving…';
    const { session: changed, errors } = await sendMenteeChange(query, variables, version);
    if (errors) {
      status.textContent = '';
      showProblem(problem, errors);
      return false;
    }
    state = { ...state, ...changed };
    draw();
    saved(done);
    onChange(state);
    return true;
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
    if (enrolled.length && !(await confirmRemovingEnrolled(enrolled))) {
      removeButton.focus();
      return;
    }
    removeButton.disabled = true;
    const ok = await change(REMOVE, { sessionId: state.id, menteeIds: ids }, `Removed ${names.join(', ')}.`);
    if (!ok) syncSelection();
    const invitedOnly = chosen.filter((m) => m.kind === 'INVITED');
    if (ok && invitedOnly.length === chosen.length) {
      saved(`Removed ${names.join(', ')} and emailed them.`, () => inviteAgain(change, state.id, invitedOnly));
    }
    (list.querySelector('button') || addButton).focus();
  }

  draw();
  return cardSection({ count, problem, list, removeButton, addButton, selection, addPanel, status });
}
