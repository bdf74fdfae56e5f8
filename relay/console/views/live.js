// Live: punches and device events from GET /v1/stream (Server-Sent Events) as they arrive,
// newest on top, filtered by device and user in the page; Pause buffers without losing any.

import { h, fill } from '/console/dom.js';
import { ApiError } from '/console/api.js';
import { timeEl, localDate, parseTime } from '/console/time.js';
import { eventDetails, field, link, paths, punchDetails, table, td, text } from '/console/ui.js';

const STREAM_URL = '/v1/stream';
const DISCONNECTED_AFTER_MS = 5000;
const MAX_ROWS = 1000;
const MAX_SEEN = 5000;
const MAX_RECONNECT_MS = 30000;

export default function liveView(ctx) {
  const view = {
    source: null,
    paused: false,
    buffer: [],
    rows: [], // {entry, node}, newest first
    seen: new Set(),
    cancelNotice: null,
    reconnectDelay: 1000,
  };
  const deviceFilter = h('input', { type: 'search', placeholder: 'serial', 'data-testid': 'live-device', oninput: applyFilters });
  const userFilter = h('input', { type: 'search', placeholder: 'user id', 'data-testid': 'live-user', oninput: applyFilters });
  const pause = h('button', { type: 'button', class: 'button', 'aria-pressed': 'false', 'data-testid': 'live-pause', onclick: togglePause }, 'Pause');
  const newCount = h('span', { class: 'new-count', 'aria-live': 'polite', 'data-testid': 'live-new', hidden: true });
  const connection = h('p', { class: 'status-line', role: 'status', 'data-testid': 'live-status' }, 'Connecting…');
  const tbody = h('tbody');
  const emptyNote = h('p', { class: 'empty' }, 'Waiting for punches and device events…');
  const shownNote = h('p', { class: 'muted', hidden: true });
  const tableEl = table('Live feed', ['Time', 'Type', 'Device', 'User', 'Details'], tbody);

  // ---- the stream ----

  function connect() {
    // A new EventSource cannot send Last-Event-ID: after a refused stream, resume with ?after=.
    const url = view.lastId ? `${STREAM_URL}?after=${encodeURIComponent(view.lastId)}` : STREAM_URL;
    const source = new EventSource(url);
    view.source = source;
    source.addEventListener('open', () => {
      view.reconnectDelay = 1000;
      setConnected(true);
    });
    source.addEventListener('punch', (event) => receive('punch', event));
    source.addEventListener('device_event', (event) => receive('device_event', event));
    source.addEventListener('error', () => {
      // The relay ends each stream after ~25 s and the browser reconnects by itself
      // (with Last-Event-ID): only a reconnect that takes over 5 s is worth a word.
      noteDown();
      if (source.readyState === EventSource.CLOSED) restart(source);
    });
  }

  // The stream was refused (an HTTP error: no more automatic reconnects). Ask whether the
  // session still holds; if so, open a new stream after a growing delay.
  async function restart(source) {
    source.close();
    if (view.source !== source) return;
    view.source = null;
    try {
      await ctx.api.request('GET', '/console/session', { session: false, signal: ctx.signal });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return ctx.sessionEnded(err.message);
      if (ctx.signal.aborted) return;
    }
    ctx.later(connect, view.reconnectDelay);
    view.reconnectDelay = Math.min(view.reconnectDelay * 2, MAX_RECONNECT_MS);
  }

  function noteDown() {
    if (!view.cancelNotice) view.cancelNotice = ctx.later(() => setConnected(false), DISCONNECTED_AFTER_MS);
  }

  function setConnected(up) {
    if (view.cancelNotice) view.cancelNotice();
    view.cancelNotice = null;
    connection.textContent = up ? 'Live: receiving punches and device events.' : 'live feed disconnected, reconnecting…';
    connection.className = up ? 'status-line ok' : 'status-line error';
  }

  function receive(kind, event) {
    let item;
    try {
      item = JSON.parse(event.data);
    } catch {
      return;
    }
    if (event.lastEventId) view.lastId = event.lastEventId;
    if (!item || typeof item.event_id !== 'string' || view.seen.has(item.event_id)) return;
    view.seen.add(item.event_id);
    if (view.seen.size > MAX_SEEN) view.seen.delete(view.seen.values().next().value);
    const entry = { kind, item };
    if (view.paused) {
      view.buffer.push(entry);
      showNewCount();
    } else {
      show([entry]);
    }
  }

  // ---- the feed ----

  function show(entries) {
    for (const entry of entries) {
      const node = feedRow(entry);
      node.hidden = !matches(entry);
      tbody.prepend(node);
      view.rows.unshift({ entry, node });
    }
    while (view.rows.length > MAX_ROWS) view.rows.pop().node.remove();
    emptyNote.hidden = view.rows.length > 0;
    countShown();
  }

  function countShown() {
    const filtered = Boolean(deviceFilter.value.trim() || userFilter.value.trim());
    shownNote.hidden = !filtered;
    shownNote.textContent = `${view.rows.filter((r) => !r.node.hidden).length} of ${view.rows.length} shown (filtered)`;
  }

  function togglePause() {
    view.paused = !view.paused;
    pause.textContent = view.paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(view.paused));
    if (!view.paused) {
      show(view.buffer);
      view.buffer = [];
    }
    showNewCount();
  }

  function showNewCount() {
    newCount.hidden = !view.paused;
    newCount.textContent = `${view.buffer.length} new`;
  }

  function matches({ item }) {
    const device = deviceFilter.value.trim().toLowerCase();
    const user = userFilter.value.trim().toLowerCase();
    if (device && !String(item.device_id || '').toLowerCase().includes(device)) return false;
    return !user || String(item.user_id || '').toLowerCase().includes(user);
  }

  function applyFilters() {
    for (const { entry, node } of view.rows) node.hidden = !matches(entry);
    countShown();
  }

  connect();
  ctx.onCleanup(() => {
    if (view.source) view.source.close();
    view.source = null;
  });

  return h('div', { class: 'view' },
    h('h1', {}, 'Live'),
    h('div', { class: 'filters' },
      field('Device', deviceFilter), field('User', userFilter),
      h('div', { class: 'filter-actions' }, pause, newCount)),
    connection,
    shownNote,
    tableEl,
    emptyNote);
}

function feedRow({ kind, item }) {
  const punch = kind === 'punch';
  const when = parseTime(item.timestamp);
  const today = when && localDate(when) === localDate();
  return h('tr', { 'data-testid': 'feed-row', 'data-event-id': item.event_id, 'data-kind': kind },
    td(timeEl(item.timestamp, today ? 'time' : 'datetime')),
    td(h('span', { class: punch ? 'kind kind-punch' : 'kind kind-event' },
      punch ? `punch${item.punch_type ? ` · ${item.punch_type}` : ''}${item.method ? ` · ${item.method}` : ''}` : text(item.type))),
    td(item.device_id ? link(paths.device(item.device_id), item.device_id, { class: 'mono' }) : '—'),
    td(item.user_id ? link(paths.user(item.user_id), item.user_id) : '—'),
    td(punch ? punchDetails(item) : eventDetails(item), { class: 'wrap' }));
}
