// The mentee's desk (/desk/mentee): my sessions (with Leave while I may), the organisation's public sessions I
// may join (Enrol, seats left), and Rate for a completed session I attended.

import { errorMessage, fill, h, hidden, loadingMessage } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { graphql } from '../common/graphql.js';
import { setPageTitle } from '../common/router.js';
import { followSessionList } from '../common/live.js';
import { ATTENDANCE_LABELS, plural } from '../common/format.js';
import { DESK_SESSION_FIELDS, deskCard, deskHeader, deskSection, runAction, seatsLine } from './desk-card.js';

const MENTEE_DESK_QUERY = `query MenteeDesk {
  mine: sessions(filter: { attending: true, statuses: [LIVE, UPCOMING] }, pageSize: 50) {
    totalCount items { ${DESK_SESSION_FIELDS} viewerAttendance }
  }
  done: sessions(filter: { attending: true, statuses: [COMPLETED] },
    sort: { field: START_TIME, direction: DESC }, pageSize: 20) {
    totalCount items { ${DESK_SESSION_FIELDS} viewerAttendance viewerStars }
  }
  open: sessions(filter: { attending: false, types: [PUBLIC], statuses: [UPCOMING] }, pageSize: 20) {
    totalCount items { ${DESK_SESSION_FIELDS} }
  }
}`;

const PAYLOAD = 'session { id } errors { message }';
const ENROL = `mutation Enrol($id: ID!) { enrollInSession(id: $id) { ${PAYLOAD} } }`;
const LEAVE = `mutation Leave($id: ID!) { leaveSession(id: $id) { ${PAYLOAD} } }`;
const RATE = `mutation Rate($id: ID!, $stars: Int!) { rateSession(id: $id, stars: $stars) { ${PAYLOAD} } }`;

function actionButton(label, title, primary = false) {
  return h(
    'button',
    { type: 'button', class: primary ? 'button button-primary' : 'button', 'aria-label': `${label} ${title}` },
    label,
  );
}

function mineCard(session, reload) {
  const kind = h(
    'p',
    { class: 'muted' },
    `${ATTENDANCE_LABELS[session.viewerAttendance]} · mentor ${session.mentor.name}`,
  );
  const leavable = session.viewerAttendance === 'ENROLLED' && session.status === 'UPCOMING';
  const leave = leavable ? actionButton('Leave', session.title) : null;
  const card = deskCard(session, { extra: [kind], actions: leave ? [leave] : [] });
  leave?.addEventListener('click', () =>
    runAction(card, leave, {
      mutation: LEAVE,
      variables: { id: session.id },
      field: 'leaveSession',
      success: 'You left it.',
      done: reload,
    }),
  );
  return card;
}

function openCard(session, reload) {
  const full = session.seatsLeft === 0;
  const seats = h('p', { class: 'muted' }, `Mentor ${session.mentor.name} · ${seatsLine(session)}`);
  const enrol = actionButton(full ? 'Full' : 'Enrol', session.title, !full);
  enrol.disabled = full;
  const card = deskCard(session, { extra: [seats], actions: [enrol] });
  enrol.addEventListener('click', () =>
    runAction(card, enrol, {
      mutation: ENROL,
      variables: { id: session.id },
      field: 'enrollInSession',
      success: 'You are enrolled.',
      done: reload,
    }),
  );
  return card;
}

/** Five stars as radio buttons, then "Rate". */
function ratingForm(session, reload) {
  const name = `stars-${session.id}`;
  const stars = [1, 2, 3, 4, 5].map((n) =>
    h(
      'label',
      { class: 'star-choice' },
      h('input', { type: 'radio', name, value: String(n), required: true }),
      h('span', {}, String(n), icon('star-solid'), hidden(n === 1 ? ' star' : ' stars')),
    ),
  );
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Rate');
  const form = h(
    'form',
    { class: 'rating-form' },
    h('fieldset', {}, h('legend', {}, `Rate ${session.title}`), stars),
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const picked = form.querySelector('input:checked');
    runAction(form.closest('.desk-card'), submit, {
      mutation: RATE,
      variables: { id: session.id, stars: Number(picked.value) },
      field: 'rateSession',
      success: `Thank you: you gave ${plural(Number(picked.value), 'star')}.`,
      done: reload,
    });
  });
  return form;
}

function doneCard(session, reload) {
  const rated = session.viewerStars
    ? h('p', { class: 'muted' }, `You gave it ${plural(session.viewerStars, 'star')}.`)
    : ratingForm(session, reload);
  return deskCard(session, { extra: [rated] });
}

function menteeDesk(data, reload) {
  return [
    deskSection(
      'mentee-mine',
      'My sessions',
      data.mine.items.map((s) => mineCard(s, reload)),
      'You are not in any upcoming session yet: enrol in one below.',
    ),
    deskSection(
      'mentee-open',
      'Sessions you can join',
      data.open.items.map((s) => openCard(s, reload)),
      'No public session is open to join right now.',
    ),
    deskSection(
      'mentee-done',
      'Completed',
      data.done.items.map((s) => doneCard(s, reload)),
      'No completed sessions yet.',
    ),
  ];
}

export function renderMenteeDesk(main, ctx) {
  setPageTitle('Mentee desk');
  const body = h('div', { class: 'desk' }, loadingMessage('Loading your sessions…'));
  main.append(...deskHeader('MENTEE'), body);
  async function load() {
    try {
      fill(body, menteeDesk(await graphql(MENTEE_DESK_QUERY, {}, { signal: ctx.signal }), load));
    } catch (error) {
      if (!ctx.signal.aborted) fill(body, errorMessage('Your sessions could not be loaded.', error, load));
    }
  }
  load();
  return { leave: followSessionList(body, load) };
}
