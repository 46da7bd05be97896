// The browser app's entry: who is signed in, the header and Application menu, and the route table.
//
// To add a screen, export `render(main, ctx)` from its module, import it here and register it below,
// e.g. registerRoute('/sessions/:id/edit', renderEditSession). Modules that register themselves
// should import registerRoute from './common/router.js' (not from this file) to avoid an import cycle.

import { graphql, SIGNED_OUT_EVENT } from './common/graphql.js';
import { fill, h } from './common/dom.js';
import { navigate, refresh, registerRoute, setPageTitle, startRouter } from './common/router.js';
import { disconnect as disconnectLive } from './common/live.js';
import { renderSignIn } from './sign-in/sign-in.js';
import { renderWorkspace } from './workspace/workspace.js';
import { renderManageSessions } from './workspace/manage-sessions.js';
import { renderSessionDetails } from './session/session-details.js';
import { renderMentorProfile } from './mentors/mentor-profile.js';
// Screens that register their own routes, tab content and the Delete button's behaviour.
import './common/notice.js';
import './common/responsive.js';
import './session/edit-session.js';
import './session/create-session.js';
import './session/delete-session.js';
import './bulk-upload/bulk-upload.js';
import './calendar/calendar-feed.js';
import './vocabulary/vocabulary-page.js';
import './settings/access-tokens.js';
import './workspace/activity.js';
import './workspace/recently-deleted.js';
import { drawDeskSwitch, hasRole, homeOf } from './desks/desks.js';
import { startShortcuts } from './common/shortcuts.js';

export { navigate, registerRoute, setPageTitle } from './common/router.js';

// Where signing in leads: '/' sends each person on to their own desk (desks/desks.js).
export const HOME = '/';

let viewer = null;

const VIEWER_QUERY = `query Viewer { viewer { id name email roles organization { id name } } }`;

function setViewer(user) {
  // Live updates are signed in as whoever connected: someone else signing in gets a new connection.
  if ((viewer && viewer.id) !== (user && user.id)) disconnectLive();
  viewer = user;
  const signedIn = Boolean(user);
  document.getElementById('app-nav').hidden = !signedIn;
  document.getElementById('viewer-area').hidden = !signedIn;
  document.getElementById('viewer-name').textContent = signedIn ? `${user.name} · ${user.organization.name}` : '';
  // Only managers have the Workspace; everyone starts from their own desk.
  document.getElementById('menu-workspace').hidden = !hasRole(user, 'MANAGER');
  document.querySelector('.brand').setAttribute('href', signedIn ? homeOf(user) : '/sign-in');
  closeMenu();
}

function signInUrl(url) {
  return `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`;
}

function guard(found, url) {
  if (found && !found.route.isPublic && !viewer) return signInUrl(url);
  return null;
}

// The Application menu: a disclosure button and a short list of links.
function menuElements() {
  return { button: document.getElementById('app-menu-button'), menu: document.getElementById('app-menu') };
}

function closeMenu() {
  const { button, menu } = menuElements();
  button.setAttribute('aria-expanded', 'false');
  menu.hidden = true;
}

function setUpHeader() {
  const { button, menu } = menuElements();
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    menu.hidden = !open;
    if (open) menu.querySelector('a').focus();
  });
  menu.addEventListener('click', (event) => {
    if (event.target.closest('a')) closeMenu();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !menu.hidden) {
      closeMenu();
      button.focus();
    }
  });
  document.addEventListener('click', (event) => {
    if (!menu.hidden && !event.target.closest('#app-nav')) closeMenu();
  });

  document.getElementById('sign-out').addEventListener('click', async (event) => {
    const signOut = event.currentTarget;
    signOut.disabled = true;
    try {
      await graphql('mutation SignOut { logout { errors { message } } }');
    } catch {
      // Even if the server could not be told, the person asked to leave: show the sign-in page.
    } finally {
      signOut.disabled = false;
    }
    setViewer(null);
    navigate('/sign-in');
  });

  // A request found the sign-in expired: ask to sign in again, then come back here.
  window.addEventListener(SIGNED_OUT_EVENT, () => {
    if (!viewer) return;
    setViewer(null);
    navigate(signInUrl(new URL(location.href)), { replace: true });
  });
}

function renderNotFound(main) {
  setPageTitle('Page not found');
  main.append(
    h('h1', {}, 'Page not found'),
    h('p', {}, 'There is no page at this address. It may have moved, or the link is mistyped.'),
    h('p', {}, h('a', { href: HOME }, 'Go to your desk')),
  );
}

registerRoute('/', () => {
  navigate(homeOf(viewer), { replace: true });
});
registerRoute('/sign-in', renderSignIn, { public: true });
registerRoute('/workspace', renderWorkspace);
registerRoute('/workspace/sessions', renderManageSessions);
registerRoute('/sessions/:id', renderSessionDetails);
registerRoute('/mentors/:id', renderMentorProfile);

async function start() {
  const main = document.getElementById('main');
  setUpHeader();
  startShortcuts(() => viewer);
  try {
    setViewer((await graphql(VIEWER_QUERY)).viewer);
  } catch (error) {
    fill(
      main,
      h('h1', {}, 'SessionDesk'),
      h(
        'div',
        { class: 'error-box', role: 'alert' },
        h('p', {}, h('strong', {}, 'SessionDesk could not start. '), error.message),
        h('button', { type: 'button', class: 'button', onclick: () => location.reload() }, 'Try again'),
      ),
    );
    return;
  }
  await startRouter({
    main,
    guard,
    context: () => {
      // Asked once per screen shown: the moment to mark which desk this screen belongs to.
      drawDeskSwitch(document.getElementById('desk-switch'), viewer);
      return { viewer, setViewer, home: HOME };
    },
    notFoundRender: renderNotFound,
  });
}

export { refresh };

start();
