// The browser routes: URL patterns and the screens that render them, driven by the address bar.
//
// A screen is `render(main, ctx)`: it fills `main` and may return a view `{ update(ctx), leave() }`.
// When only the query string changes (same route, same path parameters), the router calls
// `view.update(ctx)` instead of rendering again, so a screen keeps its focus and controls while it
// follows the URL. `ctx` is { params, query (URLSearchParams), url (URL), signal (AbortSignal, aborted
// when the user leaves the screen), viewer, setViewer }.

import { confirmDialog } from './confirm-dialog.js';

const routes = [];
let outlet = null;
let guard = () => null;
let extraContext = () => ({});
let notFound = null;
let current = null;
let renderCount = 0;

function escapeForRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Add a screen: `pattern` is a path with `:name` parameters ('/sessions/:id/edit').
 * `options.public` marks a screen a signed-out visitor may see (only sign-in is).
 */
export function registerRoute(pattern, render, options = {}) {
  const keys = [];
  const source = pattern
    .replace(/\/+$/, '')
    .split('/')
    .map((part) => {
      if (!part.startsWith(':')) return escapeForRegExp(part);
      keys.push(part.slice(1));
      return '([^/]+)';
    })
    .join('/');
  routes.push({ pattern, regex: new RegExp(`^${source}/?$`), keys, render, isPublic: Boolean(options.public) });
  // A fixed path wins over a pattern that would also match it: '/sessions/new' before '/sessions/:id'.
  routes.sort((a, b) => a.keys.length - b.keys.length);
}

function match(pathname) {
  for (const route of routes) {
    const found = route.regex.exec(pathname);
    if (found) {
      const params = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(found[i + 1]);
      });
      return { route, params };
    }
  }
  return null;
}

/** Go to a URL inside the app (pushes a history entry unless `replace`). */
export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (target.pathname !== location.pathname && leaveCheck && leaveCheck()) {
    return mayLeave().then((leave) => (leave ? navigate(target.href, { replace }) : undefined));
  }
  if (replace || target.href === location.href) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  return renderCurrent({ focus: !replace });
}

let leaveCheck = null;
let shownUrl = null;

/**
 * While `check()` answers a sentence (unsaved changes), leaving the screen asks first: a link or the
 * Back button inside the app with a confirmation, closing or reloading the tab with the browser's own.
 * Returns a function that stops it; leaving the screen stops it too.
 */
export function confirmLeaving(check) {
  leaveCheck = check;
  return () => {
    if (leaveCheck === check) leaveCheck = null;
  };
}

/** Whether the screen may be left now: asks first while it has unsaved changes. */
async function mayLeave() {
  const question = leaveCheck && leaveCheck();
  if (!question) return true;
  const leave = await confirmDialog({
    id: 'leave-dialog',
    title: 'Leave without saving?',
    text: question,
    yes: 'Leave',
  });
  if (leave) leaveCheck = null;
  return leave;
}

window.addEventListener('beforeunload', (event) => {
  if (leaveCheck && leaveCheck()) event.preventDefault();
});

/** Show the current URL again from scratch (after signing in or out). */
export function refresh() {
  current = null;
  return renderCurrent({ focus: false });
}

/** This page's address with the tab `key` shown in `?tab=`; the default tab leaves the parameter out. */
export function urlWithTab(key, defaultKey) {
  const params = new URLSearchParams(location.search);
  if (key === defaultKey) params.delete('tab');
  else params.set('tab', key);
  const search = params.toString();
  return location.pathname + (search ? `?${search}` : '');
}

export function setPageTitle(text) {
  document.title = text ? `${text} · SessionDesk` : 'SessionDesk';
}

function sameParams(a, b) {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

async function renderCurrent({ focus }) {
  const url = new URL(location.href);
  shownUrl = url.href;
  const found = match(url.pathname);
  const redirect = guard(found, url);
  if (redirect) return navigate(redirect, { replace: true });

  const ctxBase = { params: found ? found.params : {}, query: url.searchParams, url, ...extraContext() };
  if (current && found && current.route === found.route && sameParams(current.params, found.params)) {
    if (current.view && current.view.update) {
      current.view.update({ ...ctxBase, signal: current.controller.signal });
      return;
    }
  }

  if (current) {
    leaveCheck = null;
    current.controller.abort();
    if (current.view && current.view.leave) current.view.leave();
  }
  const controller = new AbortController();
  const ticket = ++renderCount;
  current = { route: found ? found.route : null, params: ctxBase.params, controller, view: null };
  outlet.replaceChildren();
  outlet.removeAttribute('aria-busy');
  const render = found ? found.route.render : notFound;
  const view = await render(outlet, { ...ctxBase, signal: controller.signal });
  if (ticket !== renderCount) return;
  current.view = view || null;
  if (focus) {
    // A new screen: put the keyboard and the screen reader at its heading, as a page load would.
    const heading = outlet.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
}

function isAppLink(anchor, event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return false;
  if (anchor.hasAttribute('download') || (anchor.target && anchor.target !== '_self')) return false;
  const href = anchor.getAttribute('href');
  if (!href || href.startsWith('#')) return false;
  const url = new URL(anchor.href);
  if (url.origin !== location.origin) return false;
  // Downloads, media, the API and static files are real server paths, not screens.
  return !/^\/(static|media|exports|graphql|bulk-upload)/.test(url.pathname);
}

/**
 * Start following the address bar. `guard(match, url)` may return a URL to go to instead
 * (sign-in for signed-out visitors); `context()` adds to every ctx; `notFoundRender` shows unknown paths.
 */
export function startRouter({ main, guard: guardFn, context, notFoundRender }) {
  outlet = main;
  guard = guardFn || guard;
  extraContext = context || extraContext;
  notFound = notFoundRender;
  window.addEventListener('popstate', async () => {
    // Back or Forward has already changed the address: put it back while the person decides.
    const wanted = location.href;
    if (shownUrl && new URL(shownUrl).pathname !== location.pathname && leaveCheck && leaveCheck()) {
      history.pushState(null, '', shownUrl);
      if (!(await mayLeave())) return;
      history.replaceState(null, '', wanted);
    }
    renderCurrent({ focus: false });
  });
  document.addEventListener('click', (event) => {
    const anchor = event.target.closest && event.target.closest('a[href]');
    if (!anchor || !isAppLink(anchor, event)) return;
    event.preventDefault();
    navigate(anchor.href);
  });
  return renderCurrent({ focus: false });
}
