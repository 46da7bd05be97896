// A desk per role: managers get Manage sessions, mentors the mentor desk, mentees the mentee desk. Where each
// signed-in person starts, and the switch between desks for someone with several roles.

import { h } from '../common/dom.js';
import { registerRoute } from '../common/router.js';
import { renderMentorDesk } from './mentor-desk.js';
import { renderMenteeDesk } from './mentee-desk.js';

export const DESKS = [
  { role: 'MANAGER', label: 'Manager', href: '/workspace/sessions' },
  { role: 'MENTOR', label: 'Mentor', href: '/desk/mentor' },
  { role: 'MENTEE', label: 'Mentee', href: '/desk/mentee' },
];

export function hasRole(viewer, role) {
  return Boolean(viewer && (viewer.roles || []).includes(role));
}

/** The desks this person has, in the order above. */
export function desksOf(viewer) {
  return DESKS.filter((desk) => hasRole(viewer, desk.role));
}

/** Where this person starts: their first desk (a manager's is Manage sessions). */
export function homeOf(viewer) {
  const desks = desksOf(viewer);
  return desks.length ? desks[0].href : '/my-calendar';
}

function deskOfPath(path) {
  if (path.startsWith('/desk/mentor')) return 'MENTOR';
  if (path.startsWith('/desk/mentee')) return 'MENTEE';
  return path.startsWith('/workspace') ? 'MANAGER' : null;
}

/** Fill the header's desk switch: shown only to someone with several desks; the current one is marked. */
export function drawDeskSwitch(container, viewer, path = location.pathname) {
  const desks = desksOf(viewer);
  container.hidden = desks.length < 2;
  const current = deskOfPath(path);
  container.replaceChildren(
    h(
      'ul',
      {},
      desks.map((desk) =>
        h(
          'li',
          {},
          h('a', { href: desk.href, 'aria-current': desk.role === current ? 'page' : false }, `${desk.label} desk`),
        ),
      ),
    ),
  );
}

/** A desk only its role may open; anyone else goes to their own. */
function only(role, render) {
  return (main, ctx) => {
    if (!hasRole(ctx.viewer, role)) {
      main.append(
        h('h1', {}, 'Not your desk'),
        h('p', {}, 'This desk is for another role. ', h('a', { href: homeOf(ctx.viewer) }, 'Go to your desk')),
      );
      return null;
    }
    return render(main, ctx);
  };
}

registerRoute('/desk/mentor', only('MENTOR', renderMentorDesk));
registerRoute('/desk/mentee', only('MENTEE', renderMenteeDesk));
