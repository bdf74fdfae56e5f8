// Small shared widgets: badges, tables, form fields, empty states, error lines, numbers.

import { h, fill } from '/console/dom.js';
import { errorMessage, isQuiet } from '/console/api.js';
import { timeEl } from '/console/time.js';

const numberFormat = new Intl.NumberFormat();
const KNOWN_STATES = new Set([
  'online', 'offline', 'pending', 'registered', 'queued', 'sent', 'succeeded', 'failed', 'delivered', 'enabled', 'disabled',
]);

export function fmtNum(value) {
  return typeof value === 'number' && Number.isFinite(value) ? numberFormat.format(value) : '—';
}

// Clock drift in seconds, signed: "+300 s", "-12 s", "0 s".
export function fmtDrift(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  return `${seconds > 0 ? '+' : ''}${numberFormat.format(seconds)} s`;
}

export function fmtPercent(ratio) {
  return typeof ratio === 'number' && Number.isFinite(ratio) ? `${(ratio * 100).toFixed(ratio === 1 ? 0 : 1)} %` : '—';
}

export function text(value) {
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

// A state badge: known states get their colour class, anything else a neutral one.
export function badge(state, label) {
  const known = KNOWN_STATES.has(state) ? state : 'other';
  return h('span', { class: `badge badge-${known}` }, label || text(state));
}

// online / offline / pending (registration "pending" wins over the online flag)
export function deviceState(device) {
  if (device.registration === 'pending') return 'pending';
  return device.status === 'online' ? 'online' : 'offline';
}

export const paths = {
  device: (serial) => `#/devices/${encodeURIComponent(serial)}`,
  user: (id) => `#/users/${encodeURIComponent(id)}`,
  webhook: (id) => `#/webhooks/${encodeURIComponent(id)}`,
};

export function link(href, label, attrs = {}) {
  return h('a', { href, ...attrs }, label);
}

export function empty(message) {
  return h('p', { class: 'empty' }, message);
}

// Puts an error line into `el` unless the error needs no words (aborted, or session ended).
export function showError(el, err) {
  if (isQuiet(err)) return;
  fill(el, h('p', { class: 'form-error', role: 'alert' }, errorMessage(err)));
}

// A status line ("role=status") for results of actions: kind 'ok' | 'error' | ''.
export function statusLine() {
  const el = h('p', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  el.set = (message, kind = '') => {
    el.textContent = message || '';
    el.className = `status-line ${kind}`.trim();
  };
  el.fail = (err) => {
    if (!isQuiet(err)) el.set(errorMessage(err), 'error');
  };
  return el;
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

// A table in a horizontally scrollable, keyboard-focusable region.
// columns: [label | {label, num: true}]; rows: an array of <tr>, or a <tbody> to fill later.
export function table(label, columns, rows) {
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label ?? c)));
  const body = rows instanceof HTMLTableSectionElement ? rows : h('tbody', {}, rows);
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' },
    h('table', {}, h('thead', {}, head), body));
}

export function td(content, attrs = {}) {
  return h('td', attrs, content ?? '—');
}

export function numTd(value) {
  return h('td', { class: 'num' }, fmtNum(value));
}

// A labelled form control; hint is a short line under it.
export function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control,
    hint ? h('span', { class: 'field-hint' }, hint) : null);
}

// <dl> from [term, value] pairs; value may be a Node or text.
export function details(pairs) {
  return h('dl', { class: 'details' }, pairs.map(([term, value]) => [
    h('dt', {}, term),
    h('dd', {}, value instanceof Node ? value : text(value)),
  ]));
}

export function isActive(command) {
  return command.status === 'queued' || command.status === 'sent';
}

// Commands with their states (device and user screens).
export function commandsTable(commands, { showDevice = false } = {}) {
  if (!commands.length) return empty('No commands yet.');
  const columns = ['Created', 'Type', showDevice ? 'Device' : 'User', 'State', 'Result', 'Updated'];
  return table('Commands', columns, commands.map((c) => h('tr', {
    'data-testid': 'command-row',
    'data-command-id': c.id,
    'data-state': c.status,
  },
  td(timeEl(c.created_at)),
  td(text(c.type)),
  td(showDevice ? link(paths.device(c.device_id), c.device_id) : (c.user_id ? link(paths.user(c.user_id), c.user_id) : '—')),
  td(badge(c.status)),
  td(commandResult(c), { class: 'wrap' }),
  td(timeEl(c.updated_at)))));
}

function commandResult(command) {
  if (command.error) return h('span', { class: 'text-error' }, command.error);
  if (command.result === undefined || command.result === null) return '—';
  return typeof command.result === 'string' ? command.result : JSON.stringify(command.result);
}

// "36.4 °C · mask · clock_suspect" for a punch (GET /v1/logs item).
export function punchDetails(p) {
  const parts = [];
  if (typeof p.temperature === 'number') parts.push(`${p.temperature.toFixed(1)} °C`);
  if (typeof p.mask_detected === 'boolean') parts.push(p.mask_detected ? 'mask' : 'no mask');
  if (Array.isArray(p.flags) && p.flags.length) parts.push(p.flags.join(', '));
  return parts.length ? parts.join(' · ') : '—';
}

// "code 55 · door 1 · realtime" for a device event (GET /v1/events item).
export function eventDetails(e) {
  const parts = [];
  if (typeof e.code === 'number') parts.push(`code ${e.code}`);
  if (typeof e.door === 'number') parts.push(`door ${e.door}`);
  if (typeof e.drift_s === 'number') parts.push(`drift ${fmtDrift(e.drift_s)}${e.corrected ? ', corrected' : ''}`);
  if (typeof e.missing === 'number') parts.push(`${fmtNum(e.missing)} missing`);
  if (e.source) parts.push(String(e.source));
  return parts.length ? parts.join(' · ') : '—';
}
