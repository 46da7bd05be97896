// The Mentor Profile page: who the mentor is, sessions hosted, the rating mentees gave, and their sessions.

import { icon } from '../common/icons.js';
import { graphql } from '../common/graphql.js';
import { breadcrumbs, errorMessage, fill, h, hidden, loadingMessage } from '../common/dom.js';
import { navigate, setPageTitle } from '../common/router.js';
import { formatDate, formatDuration, formatTime, plural, TYPE_LABELS } from '../common/format.js';
import { LAST_LIST_KEY, statusBadge } from '../list/sessions-list.js';
import { openMenteeList } from '../session/mentee-list.js';

const PAGE_SIZE = 10;

const MENTOR_QUERY = `query MentorProfile($id: ID!, $page: Int!, $pageSize: Int!) {
  mentor(id: $id) {
    id name email designation organization sessionsHosted
    rating { average votes breakdown { stars count } }
    sessions(page: $page, pageSize: $pageSize) {
      totalCount page pageSize totalPages hasNextPage hasPreviousPage
      items { id title type status startsAt durationMinutes menteeCount }
    }
  }
}`;

/** Five stars filled to the average, to the tenth: 4.5 draws four and a half. */
export function stars(average) {
  return h(
    'span',
    { class: 'stars', role: 'img', 'aria-label': `Rated ${average} out of 5` },
    [0, 1, 2, 3, 4].map((index) => {
      const filled = h('span', { class: 'star-fill', 'aria-hidden': 'true' }, icon('star-solid'));
      // Width through the style object, not a style attribute, so the Content-Security-Policy holds.
      filled.style.width = `${Math.round(Math.min(Math.max(average - index, 0), 1) * 100)}%`;
      return h(
        'span',
        { class: 'star', 'aria-hidden': 'true' },
        h('span', { class: 'stars-empty' }, icon('star')),
        filled,
      );
    }),
  );
}

// Width set through the style object, not a style attribute, so a strict Content-Security-Policy holds.
function bar(percent) {
  const element = h('span', { class: 'bar' });
  element.style.width = `${percent}%`;
  return element;
}

function ratingSection(rating) {
  if (!rating.votes) {
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'rating-heading' },
      h('h2', { id: 'rating-heading' }, 'Rating'),
      h('p', { class: 'muted' }, 'No ratings yet: mentees rate a session after it is completed.'),
    );
  }
  const most = Math.max(...rating.breakdown.map((r) => r.count), 1);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'rating-heading' },
    h('h2', { id: 'rating-heading' }, 'Rating'),
    h(
      'p',
      { class: 'rating-summary' },
      h('span', { class: 'rating-average', id: 'rating-average' }, rating.average.toFixed(1)),
      ' ',
      stars(rating.average),
      ' ',
      h('span', { class: 'muted', id: 'rating-votes' }, `from ${plural(rating.votes, 'vote')}`),
    ),
    h(
      'table',
      { class: 'rating-breakdown' },
      h('caption', { class: 'visually-hidden' }, 'Votes per number of stars'),
      h(
        'thead',
        { class: 'visually-hidden' },
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Stars'),
          h('th', { scope: 'col' }, 'Share'),
          h('th', { scope: 'col' }, 'Votes'),
        ),
      ),
      h(
        'tbody',
        {},
        rating.breakdown.map((r) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, `${r.stars}`, icon('star-solid'), hidden(r.stars === 1 ? ' star' : ' stars')),
            h('td', { class: 'bar-cell', 'aria-hidden': 'true' }, bar((100 * r.count) / most)),
            h('td', { class: 'numeric' }, String(r.count)),
          ),
        ),
      ),
    ),
  );
}

/** No sessions to list: "none yet" only when the mentor has hosted none and has no ratings either. */
function noSessions(mentor) {
  if (!mentor.sessionsHosted && !mentor.rating.votes)
    return h('p', { class: 'empty' }, 'This mentor has no sessions yet.');
  return h(
    'p',
    { class: 'empty' },
    'None of this mentor’s sessions is one you can see; their ratings come from sessions they held.',
  );
}

function sessionsTable(page, mentor) {
  if (!page.items.length) return noSessions(mentor);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table' },
      h('caption', { class: 'visually-hidden' }, `The mentor's sessions, page ${page.page} of ${page.totalPages}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Title'),
          h('th', { scope: 'col' }, 'Type'),
          h('th', { scope: 'col' }, 'Date and time (IST)'),
          h('th', { scope: 'col' }, 'Duration'),
          h('th', { scope: 'col', class: 'numeric' }, 'Mentee count'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, hidden('Details')),
        ),
      ),
      h(
        'tbody',
        {},
        page.items.map((s) => {
          const count = h(
            'button',
            { type: 'button', class: 'button-link mentee-count' },
            String(s.menteeCount),
            hidden(` mentees: show the mentee list of ${s.title}`),
          );
          count.addEventListener('click', () => openMenteeList({ sessionId: s.id, title: s.title, opener: count }));
          return h(
            'tr',
            { 'data-session-id': s.id },
            h('th', { scope: 'row' }, s.title),
            h('td', {}, TYPE_LABELS[s.type] || s.type),
            h(
              'td',
              { class: 'nowrap' },
              h('time', { datetime: s.startsAt }, `${formatDate(s.startsAt)} ${formatTime(s.startsAt)}`),
            ),
            h('td', { class: 'nowrap' }, formatDuration(s.durationMinutes)),
            h('td', { class: 'numeric' }, count),
            h('td', {}, statusBadge(s.status)),
            h('td', {}, h('a', { href: `/sessions/${s.id}` }, 'View details', hidden(` of ${s.title}`))),
          );
        }),
      ),
    ),
  );
}

function pageFrom(query) {
  const page = Number.parseInt(query.get('page'), 10);
  return page >= 1 ? page : 1;
}

function goToPage(n) {
  navigate(`${location.pathname}${n > 1 ? `?page=${n}` : ''}`);
}

function sessionsPager(sessions, { from, to }) {
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Mentor’s session pages' },
    h('span', { class: 'range', id: 'mentor-sessions-range' }, `${from}–${to} of ${sessions.totalCount}`),
    h(
      'div',
      { class: 'pager-buttons' },
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          disabled: !sessions.hasPreviousPage,
          onclick: () => goToPage(sessions.page - 1),
        },
        icon('previous'),
        'Previous',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          disabled: !sessions.hasNextPage,
          onclick: () => goToPage(sessions.page + 1),
        },
        'Next',
        icon('next'),
      ),
    ),
  );
}

/** About, the rating and the Sessions section (its table goes into `sessionsArea`). */
function profileContent(mentor, sessionsArea) {
  return [
    h(
      'div',
      { class: 'profile-grid' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'mentor-about-heading' },
        h('h2', { id: 'mentor-about-heading' }, 'About'),
        h(
          'dl',
          { class: 'fields' },
          h('dt', {}, 'Email'),
          h('dd', {}, h('a', { href: `mailto:${mentor.email}` }, mentor.email)),
          h('dt', {}, 'Designation'),
          h('dd', {}, mentor.designation || '—'),
          h('dt', {}, 'Organisation'),
          h('dd', {}, mentor.organization),
          h('dt', {}, 'Sessions hosted'),
          h('dd', { id: 'sessions-hosted' }, String(mentor.sessionsHosted)),
        ),
      ),
      ratingSection(mentor.rating),
    ),
    h(
      'section',
      { 'aria-labelledby': 'mentor-sessions-heading' },
      h(
        'h2',
        { id: 'mentor-sessions-heading' },
        'Sessions',
        h('span', { class: 'muted' }, ` (${mentor.sessions.totalCount})`),
      ),
      h(
        'p',
        {},
        h(
          'a',
          { href: `/workspace/sessions?page=1&pageSize=10&view=all&mentorIds=${encodeURIComponent(mentor.id)}` },
          'Open these sessions in the session list',
        ),
      ),
      sessionsArea,
    ),
  ];
}

function showNotFound(main, body, listUrl) {
  setPageTitle('Mentor not found');
  main.querySelector('h1').textContent = 'Mentor not found';
  fill(
    body,
    h('p', { role: 'alert' }, 'There is no mentor with this ID in your organisation.'),
    h('p', {}, h('a', { href: listUrl }, 'Back to the session list')),
  );
}

export function renderMentorProfile(main, ctx) {
  setPageTitle('Mentor profile');
  const listUrl = sessionStorage.getItem(LAST_LIST_KEY) || '/workspace/sessions';
  const body = h('div', { class: 'profile-body' });
  main.append(
    breadcrumbs({ Workspace: '/workspace', 'Manage sessions': listUrl }, 'Mentor profile'),
    h('h1', {}, 'Mentor profile'),
    body,
  );
  let page = pageFrom(ctx.query);
  let controller = null;
  let sessionsArea = null;

  let shownMentor = null;

  function renderSessions(sessions) {
    const from = sessions.totalCount ? (sessions.page - 1) * sessions.pageSize + 1 : 0;
    const to = from ? from + sessions.items.length - 1 : 0;
    fill(
      sessionsArea,
      sessionsTable(sessions, shownMentor),
      sessions.totalCount > sessions.pageSize ? sessionsPager(sessions, { from, to }) : null,
    );
  }

  function renderMentor(mentor) {
    shownMentor = mentor;
    setPageTitle(mentor.name);
    main.querySelector('h1').textContent = mentor.name;
    sessionsArea = h('div', { id: 'mentor-sessions', 'aria-live': 'polite' });
    fill(body, ...profileContent(mentor, sessionsArea));
    renderSessions(mentor.sessions);
  }

  async function load({ onlySessions = false } = {}) {
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    if (onlySessions && sessionsArea) {
      sessionsArea.setAttribute('aria-busy', 'true');
      sessionsArea.prepend(loadingMessage('Loading sessions…'));
    } else {
      fill(body, loadingMessage('Loading the mentor profile…'));
    }
    let mentor;
    try {
      ({ mentor } = await graphql(MENTOR_QUERY, { id: ctx.params.id, page, pageSize: PAGE_SIZE }, { signal }));
    } catch (error) {
      if (signal.aborted) return;
      fill(
        body,
        errorMessage('The mentor profile could not be loaded.', error, () => load()),
      );
      return;
    }
    if (signal.aborted) return;
    if (!mentor) {
      showNotFound(main, body, listUrl);
      return;
    }
    if (onlySessions && sessionsArea) {
      sessionsArea.removeAttribute('aria-busy');
      renderSessions(mentor.sessions);
    } else {
      renderMentor(mentor);
    }
  }

  ctx.signal.addEventListener('abort', () => controller && controller.abort());
  load();
  return {
    update(next) {
      ctx = next;
      const nextPage = pageFrom(next.query);
      if (nextPage === page) return;
      page = nextPage;
      load({ onlySessions: true });
    },
  };
}
