// The mentor's desk (/desk/mentor): my live, upcoming and past sessions with Start and End, each one's meeting
// and mentees, my calendar, and my profile with its ratings.

import { errorMessage, fill, h, loadingMessage } from '../common/dom.js';
import { graphql } from '../common/graphql.js';
import { setPageTitle } from '../common/router.js';
import { followSessionList } from '../common/live.js';
import { plural } from '../common/format.js';
import { openMenteeList } from '../session/mentee-list.js';
import { DESK_SESSION_FIELDS, deskCard, deskHeader, deskSection, runAction, seatsLine } from './desk-card.js';

const MENTOR_DESK_QUERY = `query MentorDesk($me: ID!) {
  live: sessions(filter: { mentorIds: [$me], statuses: [LIVE] }, pageSize: 100) {
    items { ${DESK_SESSION_FIELDS} }
  }
  upcoming: sessions(filter: { mentorIds: [$me], statuses: [UPCOMING] }, pageSize: 20) {
    totalCount items { ${DESK_SESSION_FIELDS} }
  }
  past: sessions(filter: { mentorIds: [$me], statuses: [COMPLETED] },
    sort: { field: START_TIME, direction: DESC }, pageSize: 10) {
    totalCount items { ${DESK_SESSION_FIELDS} }
  }
  mentor(id: $me) { id sessionsHosted rating { average votes } }
}`;

const START = `mutation StartSession($id: ID!) { startSession(id: $id) { session { id status } errors { message } } }`;
const END = `mutation EndSession($id: ID!) { endSession(id: $id) { session { id status } errors { message } } }`;

// The API lets a mentor start a session from 15 minutes before its start until its planned end.
const START_EARLY_MS = 15 * 60 * 1000;

function startable(session, now = Date.now()) {
  return now >= Date.parse(session.startsAt) - START_EARLY_MS && now <= Date.parse(session.endsAt);
}

/** How many are coming, and a button to the Mentee list (names, enrolled or invited). */
function mentees(session) {
  if (!session.menteeCount) return h('p', { class: 'muted' }, `No mentees yet · ${seatsLine(session)}`);
  const button = h(
    'button',
    {
      type: 'button',
      class: 'button button-quiet',
      'aria-label': `${plural(session.menteeCount, 'mentee')} of ${session.title}`,
    },
    plural(session.menteeCount, 'mentee'),
  );
  button.addEventListener('click', () =>
    openMenteeList({ sessionId: session.id, title: session.title, opener: button }),
  );
  return h('p', { class: 'desk-mentees' }, button, ` ${seatsLine(session)}`);
}

function lifecycleButton(session) {
  const live = session.status === 'LIVE';
  if (!live && !(session.status === 'UPCOMING' && startable(session))) return null;
  const verb = live ? 'End' : 'Start';
  return h(
    'button',
    { type: 'button', class: live ? 'button' : 'button button-primary', 'aria-label': `${verb} ${session.title}` },
    verb,
  );
}

function mentorCard(session, reload) {
  const button = lifecycleButton(session);
  const live = session.status === 'LIVE';
  const note =
    session.status === 'UPCOMING' && !button
      ? h('p', { class: 'muted desk-note' }, 'You can start it from 15 minutes before.')
      : null;
  const extra = [mentees(session), note];
  const card = deskCard(session, { extra, actions: button ? [button] : [] });
  button?.addEventListener('click', () =>
    runAction(card, button, {
      mutation: live ? END : START,
      variables: { id: session.id },
      field: live ? 'endSession' : 'startSession',
      success: live ? 'Ended.' : 'Started: it is live now.',
      done: reload,
    }),
  );
  return card;
}

function profileCard(viewer, mentor) {
  const rating = mentor.rating;
  const stars = rating.votes
    ? `${rating.average.toFixed(1)} of 5 from ${plural(rating.votes, 'rating')}`
    : 'No ratings yet';
  return h(
    'section',
    { class: 'desk-profile card', 'aria-labelledby': 'desk-profile-heading' },
    h('h2', { id: 'desk-profile-heading' }, 'My profile'),
    h('p', {}, `${plural(mentor.sessionsHosted, 'session')} hosted · ${stars}`),
    h(
      'p',
      {},
      h('a', { href: `/mentors/${viewer.id}` }, 'See my profile and ratings'),
      ' · ',
      h('a', { href: `/workspace/sessions?mentorIds=${viewer.id}&show=calendar` }, 'My calendar'),
      ' · ',
      h('a', { href: '/my-calendar' }, 'Calendar feed for my phone'),
    ),
  );
}

function mentorDesk(data, viewer, reload) {
  const cards = (page) => page.items.map((s) => mentorCard(s, reload));
  const more = (page, url) =>
    page.totalCount > page.items.length ? h('p', {}, h('a', { href: url }, `All ${page.totalCount}`)) : null;
  return [
    deskSection('mentor-live', 'Live now', cards(data.live), 'None of your sessions is live.'),
    deskSection(
      'mentor-upcoming',
      'Upcoming',
      cards(data.upcoming),
      'No upcoming sessions.',
      more(data.upcoming, `/workspace/sessions?mentorIds=${viewer.id}`),
    ),
    deskSection(
      'mentor-past',
      'Past',
      cards(data.past),
      'No past sessions yet.',
      more(data.past, `/workspace/sessions?mentorIds=${viewer.id}&statuses=COMPLETED`),
    ),
    profileCard(viewer, data.mentor),
  ];
}

export function renderMentorDesk(main, ctx) {
  setPageTitle('Mentor desk');
  const body = h('div', { class: 'desk' }, loadingMessage('Loading your sessions…'));
  main.append(...deskHeader('MENTOR'), body);
  async function load() {
    try {
      const data = await graphql(MENTOR_DESK_QUERY, { me: ctx.viewer.id }, { signal: ctx.signal });
      fill(body, mentorDesk(data, ctx.viewer, load));
    } catch (error) {
      if (!ctx.signal.aborted) fill(body, errorMessage('Your sessions could not be loaded.', error, load));
    }
  }
  load();
  return { leave: followSessionList(body, load) };
}
