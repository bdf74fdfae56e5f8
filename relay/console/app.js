// The console's shell: session (sign-in, sign-out, the session ending), the header with
// its navigation, the "relay unreachable" banner, and the hash router that mounts views.

import { h, fill } from '/console/dom.js';
import { createApi, ApiError } from '/console/api.js';
import { closeDialogs } from '/console/modal.js';
import signinView from '/console/views/signin.js';
import overviewView from '/console/views/overview.js';
import fleetView from '/console/views/fleet.js';
import deviceView from '/console/views/device.js';
import liveView from '/console/views/live.js';
import webhooksView from '/console/views/webhooks.js';
import webhookView from '/console/views/webhook.js';
import usersView from '/console/views/users.js';
import userView from '/console/views/user.js';

const PROBE_INTERVAL_MS = 3000;
const MAX_TIMER_MS = 2 ** 31 - 1;

const ROUTES = [
  { pattern: /^\/overview$/, view: overviewView, nav: 'overview', title: 'Overview' },
  { pattern: /^\/fleet$/, view: fleetView, nav: 'fleet', title: 'Fleet' },
  { pattern: /^\/devices\/([^/]+)$/, view: deviceView, nav: 'fleet', title: 'Device', param: 'serial' },
  { pattern: /^\/live$/, view: liveView, nav: 'live', title: 'Live' },
  { pattern: /^\/webhooks$/, view: webhooksView, nav: 'webhooks', title: 'Webhooks' },
  { pattern: /^\/webhooks\/([^/]+)$/, view: webhookView, nav: 'webhooks', title: 'Webhook endpoint', param: 'id' },
  { pattern: /^\/users$/, view: usersView, nav: 'users', title: 'Users' },
  { pattern: /^\/users\/([^/]+)$/, view: userView, nav: 'users', title: 'User', param: 'id' },
];
const NAV = [['overview', 'Overview'], ['fleet', 'Fleet'], ['live', 'Live'], ['webhooks', 'Webhooks'], ['users', 'Users']];
const DEFAULT_HASH = '#/overview';

// The one piece of mutable application state.
const state = {
  session: null, // {tenant: {id, name}, mode, csrf_token, expires_at} while signed in
  unreachable: false,
  probeTimer: 0,
  expiryTimer: 0,
  mounted: null, // {controller, cleanups} of the view on screen
  elements: null, // {root, banner, content, main, nav}
};

const api = createApi({
  csrf: () => (state.session ? state.session.csrf_token : null),
  sessionEnded: (err) => sessionEnded(err.message),
  unreachable: () => setUnreachable(true),
  reachable: () => setUnreachable(false),
  refreshSession,
});

// ---- session -------------------------------------------------------------------------

async function boot() {
  const banner = h('div', { class: 'banner', 'data-testid': 'error-banner', role: 'status', hidden: true },
    'relay unreachable, retrying');
  const content = h('div', { class: 'content' });
  state.elements = { root: document.getElementById('app'), banner, content, main: null, nav: null };
  fill(state.elements.root, banner, content);
  fill(content, h('p', { class: 'muted booting' }, 'Connecting to the relay…'));
  window.addEventListener('hashchange', () => route(true));
  try {
    signedIn(await api.get('/console/session', { session: false }));
  } catch (err) {
    showSignin(err instanceof ApiError && err.status === 401 ? '' : err.message);
  }
}

function signedIn(session) {
  state.session = session;
  scheduleExpiryCheck(session.expires_at);
  renderShell();
  if (!findRoute(location.hash)) history.replaceState(null, '', DEFAULT_HASH);
  route(false);
}

function showSignin(message) {
  unmountView();
  closeDialogs();
  state.session = null;
  clearTimeout(state.expiryTimer);
  state.elements.main = null;
  document.title = 'Sign in · punchlink console';
  fill(state.elements.content, signinView({ api, message, onSignedIn: signedIn }));
}

function sessionEnded(message) {
  showSignin(message ? `Your session has ended: ${message}` : 'Your session has ended. Sign in again.');
}

async function signOut(button) {
  button.disabled = true;
  try {
    await api.del('/console/session', { session: false });
    showSignin('');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) showSignin('');
    else button.disabled = false; // unreachable: the banner says so; stay signed in
  }
}

// The session's own end (expires_at): check it then, so the screen does not linger.
function scheduleExpiryCheck(expiresAt) {
  clearTimeout(state.expiryTimer);
  const due = Date.parse(expiresAt);
  if (!Number.isFinite(due)) return;
  const delay = Math.min(MAX_TIMER_MS, Math.max(0, due - Date.now()) + 1000);
  state.expiryTimer = setTimeout(checkSession, delay);
}

async function checkSession() {
  try {
    const session = await api.request('GET', '/console/session', { session: false });
    if (state.session) {
      state.session = { ...state.session, ...session };
      scheduleExpiryCheck(session.expires_at);
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && state.session) sessionEnded(err.message);
  }
}

// The cookie's session changed under this tab (signed in again elsewhere): take its token,
// or start over when it is another account's or mode's.
async function refreshSession() {
  let session;
  try {
    session = await api.request('GET', '/console/session', { session: false });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      err.handled = true;
      sessionEnded(err.message);
    }
    throw err;
  }
  const current = state.session;
  if (!current || current.tenant.id !== session.tenant.id || current.mode !== session.mode) {
    signedIn(session);
    const stale = new ApiError(409, { error: 'signed in again as another account', code: 'session_changed' });
    stale.handled = true;
    throw stale;
  }
  state.session = { ...current, ...session };
  scheduleExpiryCheck(session.expires_at);
}

// ---- unreachable banner --------------------------------------------------------------

function setUnreachable(value) {
  if (state.unreachable === value) return;
  state.unreachable = value;
  state.elements.banner.hidden = !value;
  clearTimeout(state.probeTimer);
  if (value) state.probeTimer = setTimeout(probe, PROBE_INTERVAL_MS);
}

// While unreachable, ask the relay every few seconds; any answer hides the banner.
async function probe() {
  await checkSession();
  if (state.unreachable) state.probeTimer = setTimeout(probe, PROBE_INTERVAL_MS);
}

// ---- shell and router ----------------------------------------------------------------

function renderShell() {
  const { tenant, mode } = state.session;
  const nav = h('nav', { class: 'nav', 'aria-label': 'Main' },
    NAV.map(([key, label]) => h('a', { href: `#/${key}`, 'data-testid': `nav-${key}`, 'data-nav': key }, label)));
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const signout = h('button', { type: 'button', class: 'button', 'data-testid': 'signout' }, 'Sign out');
  signout.addEventListener('click', () => signOut(signout));
  const header = h('header', { class: 'header' },
    h('button', { type: 'button', class: 'skip-link', onclick: () => main.focus() }, 'Skip to content'),
    h('span', { class: 'brand' }, 'punchlink'),
    nav,
    h('span', { class: 'header-end' },
      mode === 'test' ? h('span', { class: 'test-badge', 'data-testid': 'test-badge', title: 'Signed in with a test key: it can read everything and manage webhooks, but not change terminals.' }, 'TEST KEY') : null,
      h('span', { class: 'tenant', title: tenant && tenant.id ? tenant.id : '' }, (tenant && tenant.name) || ''),
      signout));
  Object.assign(state.elements, { main, nav });
  fill(state.elements.content, header, main);
}

function findRoute(hash) {
  const path = hash.replace(/^#/, '');
  for (const r of ROUTES) {
    const match = r.pattern.exec(path);
    if (match) {
      let value = null;
      try {
        value = match[1] === undefined ? null : decodeURIComponent(match[1]);
      } catch {
        return null;
      }
      return { ...r, params: r.param ? { [r.param]: value } : {} };
    }
  }
  return null;
}

function route(userNavigated) {
  if (!state.session || !state.elements.main) return;
  const found = findRoute(location.hash);
  if (!found) {
    history.replaceState(null, '', DEFAULT_HASH);
    return route(userNavigated);
  }
  unmountView();
  closeDialogs();
  for (const a of state.elements.nav.querySelectorAll('a')) {
    if (a.dataset.nav === found.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${found.title} · punchlink console`;
  const ctx = mountContext(found.params);
  fill(state.elements.main, found.view(ctx));
  if (userNavigated) state.elements.main.focus({ preventScroll: true });
}

// What a view gets: the API, its route parameters, a signal that aborts when it leaves the
// screen, and timers that are cleared then.
function mountContext(params) {
  const controller = new AbortController();
  const timers = new Set();
  const cleanups = [() => timers.forEach((timer) => clearTimeout(timer))];
  state.mounted = { controller, cleanups };
  return {
    api,
    params,
    signal: controller.signal,
    testMode: state.session.mode === 'test',
    session: state.session,
    navigate: (hash) => { location.hash = hash; },
    onCleanup: (fn) => cleanups.push(fn),
    // fn after ms, unless the view is gone by then; returns a cancel function.
    later: (fn, ms) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!controller.signal.aborted) fn();
      }, ms);
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
    // Hands a session end noticed outside fetch (the live stream) to the app.
    sessionEnded,
  };
}

function unmountView() {
  const mounted = state.mounted;
  state.mounted = null;
  if (!mounted) return;
  mounted.controller.abort();
  for (const fn of mounted.cleanups) {
    try {
      fn();
    } catch {
      /* a cleanup must not stop the others */
    }
  }
}

boot();
