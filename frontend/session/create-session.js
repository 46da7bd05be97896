// Creating a session: the "Create session" button above the Session list and the form at
// /sessions/new (every field, the mentor and invited mentees from searchable lists, the meeting and an
// optional image); createSession, then the new session's details.

import { graphql, graphqlUpload } from '../common/graphql.js';
import { breadcrumbs, fill, h } from '../common/dom.js';
import { field, FormErrors, group } from '../common/forms.js';
import { navigate, registerRoute, setPageTitle } from '../common/router.js';
import { detailFields, meetingFields } from './session-form.js';
import { mountMentorTimeline } from '../calendar/mentor-timeline.js';
import { imageControls } from './session-image.js';
import { peoplePicker } from '../common/people-picker.js';
import { announce } from '../common/notice.js';
import { icon } from '../common/icons.js';
import { registerTabContent } from '../workspace/manage-sessions.js';
import { LAST_LIST_KEY, SESSIONS_CHANGED_EVENT } from '../list/sessions-list.js';

const CREATE = `mutation CreateSession($input: CreateSessionInput!) {
  createSession(input: $input) { session { id title } errors { field code message } }
}`;
const SET_IMAGE = `mutation SetSessionImage($sessionId: ID!, $image: Upload!) {
  setSessionImage(sessionId: $sessionId, image: $image) { session { id imageUrl } errors { field code message } }
}`;

/** The mentor: a searchable list, one pick; typing again forgets the pick. */
function mentorField(errors, onChange = () => {}) {
  let mentor = null;
  const chosen = h('p', { id: 'create-mentor-chosen', class: 'hint', role: 'status' });
  const picker = peoplePicker({
    id: 'create-mentor',
    kind: 'mentors',
    onPick: (person) => {
      mentor = person;
      picker.input.value = `${person.name} (${person.email})`;
      chosen.textContent = `Mentor: ${person.name}, ${person.email}.`;
      onChange();
    },
  });
  picker.input.addEventListener('input', () => {
    if (mentor) {
      mentor = null;
      chosen.textContent = 'No mentor chosen yet: pick one from the list.';
      onChange();
    }
  });
  const wrapped = field({
    label: 'Mentor',
    control: picker.input,
    widget: picker.element,
    hint: 'Type a name or email, then pick the mentor from the list.',
  });
  wrapped.element.append(chosen);
  errors.add('mentorId', wrapped);
  return {
    element: wrapped.element,
    mentorId: () => (mentor ? mentor.id : null),
    person: () => mentor,
    typed: () => picker.input.value.trim(),
  };
}

/** Invited mentees: picked from a searchable list into a list with a Remove button each. */
function inviteField(errors) {
  const invited = [];
  const list = h('ul', { id: 'create-invited-list', class: 'invited-list', 'aria-label': 'Invited mentees' });
  const status = h('p', { class: 'visually-hidden', role: 'status' });
  const picker = peoplePicker({
    id: 'create-invite',
    kind: 'mentees',
    isTaken: (person) => invited.some((m) => m.id === person.id),
    takenText: 'already invited',
    onPick: (person) => {
      invited.push(person);
      picker.input.value = '';
      draw();
      status.textContent = `${person.name} added; ${invited.length} invited.`;
    },
  });

  function draw() {
    fill(
      list,
      invited.length
        ? invited.map((person, index) =>
            h(
              'li',
              { class: 'invited-person' },
              h('span', {}, h('strong', {}, person.name), ' ', h('span', { class: 'muted small' }, person.email)),
              h(
                'button',
                {
                  type: 'button',
                  class: 'button-link',
                  onclick: () => {
                    invited.splice(index, 1);
                    draw();
                    status.textContent = `${person.name} taken off the list; ${invited.length} invited.`;
                    picker.focus();
                  },
                },
                'Remove',
                h('span', { class: 'visually-hidden' }, ` ${person.name}`),
              ),
            ),
          )
        : h('li', { class: 'muted' }, 'No mentees invited yet.'),
    );
  }
  draw();

  const wrapped = field({
    label: 'Invite mentees',
    control: picker.input,
    widget: picker.element,
    hint: 'Optional for a public session; a private session needs at least one. They get an invitation by email.',
  });
  wrapped.element.append(list, status);
  errors.add('inviteEmails', wrapped);
  return { element: wrapped.element, emails: () => invited.map((m) => m.email) };
}

function typeField(errors) {
  const radios = ['PUBLIC', 'PRIVATE'].map((value) =>
    h('input', { type: 'radio', name: 'type', id: `create-type-${value.toLowerCase()}`, value }),
  );
  const labels = {
    PUBLIC: 'Public: any mentee of the organisation can enrol',
    PRIVATE: 'Private: only invited mentees (one-on-one mentoring)',
  };
  const typeGroup = group({
    id: 'create-type',
    legend: 'Type',
    hint: 'The type cannot change once the session is published.',
    controls: radios,
    parts: radios.map((radio) => h('label', { class: 'check', for: radio.id }, radio, ` ${labels[radio.value]}`)),
    className: 'radio-group',
  });
  errors.add('type', typeGroup);
  return { element: typeGroup.element, value: () => (radios.find((r) => r.checked) || {}).value || null };
}

/** The image chosen in the form, sent once the session exists: null, or why it was not added. */
async function addImage(sessionId, file) {
  if (!file) return null;
  try {
    const { setSessionImage } = await graphqlUpload(SET_IMAGE, { sessionId }, { image: file });
    return setSessionImage.errors.length ? setSessionImage.errors.map((e) => e.message).join(' ') : null;
  } catch (error) {
    return error.message;
  }
}

function createdText(created, imageProblem) {
  return imageProblem
    ? `The session “${created.title}” is created (ID ${created.id}), but its image was not added: ${imageProblem} Add it from Edit.`
    : `The session “${created.title}” is created (ID ${created.id}).`;
}

function createForm({ errors, type, mentor, details, meeting, image, invites, submit, listUrl, onSubmit }) {
  return h(
    'form',
    { class: 'form create-form', id: 'create-session-form', novalidate: true, onsubmit: onSubmit },
    errors.summary,
    h(
      'div',
      { class: 'edit-layout' },
      h(
        'div',
        { class: 'edit-main' },
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'create-about-heading' },
          h('h2', { id: 'create-about-heading' }, 'Session information'),
          h('div', { class: 'form-fields' }, type.element, mentor.element),
          details.element,
        ),
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'create-meeting-heading' },
          h('h2', { id: 'create-meeting-heading' }, 'Meeting'),
          meeting.element,
        ),
      ),
      h(
        'div',
        { class: 'edit-aside' },
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'create-image-heading' },
          h('h2', { id: 'create-image-heading' }, 'Session image ', h('span', { class: 'muted small' }, '(optional)')),
          image.element,
        ),
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'create-mentees-heading' },
          h('h2', { id: 'create-mentees-heading' }, 'Mentees'),
          invites.element,
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions form-actions' },
      submit,
      h('a', { href: listUrl, class: 'button button-quiet' }, 'Cancel'),
    ),
  );
}

/** ?date=DD-MM-YYYY&time=HH:MM (a slot clicked in the calendar's time grid) fills the date and time. */
function prefillWhen(form, query) {
  const date = query?.get('date');
  const time = query?.get('time');
  if (date && /^\d{2}-\d{2}-\d{4}$/.test(date)) form.querySelector('#create-date').value = date;
  if (time && /^\d{2}:\d{2}$/.test(time)) form.querySelector('#create-time').value = time;
}

export function renderCreateSession(main, ctx) {
  setPageTitle('Create session');
  const listUrl = sessionStorage.getItem(LAST_LIST_KEY) || '/workspace/sessions';
  const errors = new FormErrors();
  const type = typeField(errors);
  const mentor = mentorField(errors, () => timeline.refresh());
  const details = detailFields({ idPrefix: 'create', errors });
  // The chosen mentor's day, with the chosen time on it, under the date and time.
  const timeline = mountMentorTimeline({
    idPrefix: 'create',
    mentor: () => mentor.person(),
    read: () => details.read().values,
  });
  details.fields.startsAt.element.after(timeline.element);
  for (const eventName of ['input', 'change']) details.element.addEventListener(eventName, () => timeline.refresh());
  const invites = inviteField(errors);
  const meeting = meetingFields({ idPrefix: 'create-meeting', errors, prefix: 'meeting.' });
  let title = '';
  const image = imageControls({
    idPrefix: 'create-image',
    imageUrl: null,
    title: () => title || 'being created',
    // The image is sent once the session exists; until then it is only shown here.
    save: async (file) => ({ imageUrl: URL.createObjectURL(file), errors: [] }),
    remove: async () => ({ imageUrl: null, errors: [] }),
    savedText: 'The image will be added when the session is created.',
    removedText: 'No image will be added.',
  });
  const submit = h('button', { type: 'submit', class: 'button button-primary', id: 'create-submit' }, 'Create session');

  async function onSubmit(event) {
    event.preventDefault();
    const { values, problems } = details.read();
    title = values.title;
    if (mentor.typed() && !mentor.mentorId()) {
      problems.push({
        field: 'mentorId',
        message: `Pick the mentor from the list; “${mentor.typed()}” was typed but not picked.`,
      });
    }
    if (errors.show(problems)) return;
    const input = {
      ...values,
      type: type.value(),
      mentorId: mentor.mentorId(),
      inviteEmails: invites.emails(),
      meeting: meeting.read(),
    };
    for (const name of ['startsAt', 'durationMinutes', 'seatsLimit', 'type', 'mentorId'])
      if (input[name] === null) delete input[name];
    submit.disabled = true;
    submit.textContent = 'Creating…';
    try {
      const { createSession } = await graphql(CREATE, { input });
      if (errors.show(createSession.errors, { heading: 'The session was not created' })) return;
      const created = createSession.session;
      const imageProblem = await addImage(created.id, image.file());
      document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT));
      const detailsUrl = `/sessions/${created.id}`;
      announce(createdText(created, imageProblem), { path: detailsUrl, kind: imageProblem ? 'problem' : 'success' });
      navigate(detailsUrl);
    } catch (error) {
      errors.show([{ field: null, message: `The session was not created: ${error.message}` }]);
    } finally {
      submit.disabled = false;
      submit.textContent = 'Create session';
    }
  }

  main.append(
    breadcrumbs({ Workspace: '/workspace', 'Manage sessions': listUrl }, 'Create session'),
    h('h1', {}, 'Create session'),
    h(
      'p',
      { class: 'lead' },
      'Every field is needed unless it says optional. The session is published as soon as you create it.',
    ),
    createForm({ errors, type, mentor, details, meeting, image, invites, submit, listUrl, onSubmit }),
  );
  prefillWhen(main, ctx?.query);
}

registerRoute('/sessions/new', renderCreateSession);

registerTabContent('create', (slot) => {
  slot.append(
    h(
      'div',
      { class: 'create-bar' },
      h(
        'a',
        { href: '/sessions/new', class: 'button button-primary', id: 'create-session' },
        icon('add'),
        'Create session',
      ),
      h('span', { class: 'muted small' }, 'Publish one session, or use the Bulk upload tab for many.'),
    ),
  );
});
