// One device: details with clock and reconciliation, actions (unlock, restart, set time,
// re-read dates, clear attendance), its commands, recent punches and device events.

import { h, fill, slot } from '/console/dom.js';
import { confirmDialog } from '/console/modal.js';
import { timeEl, utcDate, daysAgo, localDate } from '/console/time.js';
import {
  badge, commandsTable, details, deviceState, empty, eventDetails, field, fmtDrift, fmtNum, isActive, link,
  punchDetails, section, showError, statusLine, table, td, text,
} from '/console/ui.js';

const COMMAND_POLL_MS = 2000;
const RECENT = 20;
const PAGE = 1000;
const MAX_PAGES = 5;

export default function deviceView(ctx) {
  const serial = ctx.params.serial;
  const base = `/v1/devices/${encodeURIComponent(serial)}`;
  const view = { commands: [], cancelPoll: null };
  const title = h('h1', {}, serial);
  const info = slot();
  const commands = slot();
  const punches = slot();
  const events = slot();
  const status = statusLine();

  async function loadDevice() {
    try {
      const device = await ctx.api.get(base, { signal: ctx.signal });
      fill(title, text(device.name || device.serial_number), ' ', badge(deviceState(device)));
      fill(info, deviceDetails(device));
    } catch (err) {
      showError(info, err);
    }
  }

  // Refreshes every 2 s while a command is queued or sent; then the device once more.
  async function loadCommands() {
    if (view.cancelPoll) view.cancelPoll();
    view.cancelPoll = null;
    try {
      const res = await ctx.api.get(`${base}/commands`, { signal: ctx.signal, query: { limit: RECENT } });
      const wasActive = view.commands.some(isActive);
      view.commands = (res && res.data) || [];
      fill(commands, commandsTable(view.commands));
      if (view.commands.some(isActive)) view.cancelPoll = ctx.later(loadCommands, COMMAND_POLL_MS);
      else if (wasActive) loadDevice();
    } catch (err) {
      showError(commands, err);
    }
  }

  async function send(body, label) {
    const command = await ctx.api.post(`${base}/commands`, body);
    status.set(`${label}: command ${command.id} ${command.status}.`, 'ok');
    loadCommands();
    return command;
  }

  // A button that sends a command; its errors (403 live_key_required…) go to the status line.
  function action(testid, label, makeBody, attrs = {}) {
    const button = h('button', { type: 'button', class: 'button', 'data-testid': testid, ...attrs }, label);
    button.addEventListener('click', async () => {
      const body = makeBody();
      if (!body) return;
      button.disabled = true;
      status.set(`${label}…`);
      try {
        await send(body, label);
      } catch (err) {
        status.fail(err);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  function confirmed(testid, label, title, message, body) {
    return h('button', {
      type: 'button',
      class: 'button danger',
      'data-testid': testid,
      onclick: () => confirmDialog(title, message, label, () => send(body, label)),
    }, label);
  }

  const seconds = h('input', { type: 'number', min: '1', max: '60', step: '1', value: '5', class: 'narrow', 'data-testid': 'device-unlock-seconds' });
  const from = h('input', { type: 'date', value: localDate(), 'data-testid': 'device-read-from' });
  const to = h('input', { type: 'date', value: localDate(), 'data-testid': 'device-read-to' });

  function unlockBody() {
    const value = Number(seconds.value);
    if (!Number.isInteger(value) || value < 1 || value > 60) {
      status.set('Unlock: seconds must be a whole number from 1 to 60.', 'error');
      return null;
    }
    return { type: 'unlock', seconds: value };
  }

  function readLogBody() {
    if (!from.value || !to.value || from.value > to.value) {
      status.set('Re-read: choose a first and a last day, the first not after the last.', 'error');
      return null;
    }
    return { type: 'read_log', start_date: from.value, end_date: to.value };
  }

  const actions = h('div', { class: 'actions' },
    ctx.testMode ? h('p', { class: 'note' }, 'Signed in with a test key: terminals refuse its commands (live_key_required).') : null,
    h('div', { class: 'action-row' }, field('Seconds', seconds), action('device-unlock', 'Unlock', unlockBody)),
    h('div', { class: 'action-row' },
      action('device-set-time', 'Sync time', () => ({ type: 'set_time' }), { title: 'Set the terminal clock to now' }),
      confirmed('device-restart', 'Restart', 'Restart the terminal?',
        `${serial} restarts: it is unreachable for a minute or so, and punches wait on it meanwhile.`, { type: 'restart' })),
    h('div', { class: 'action-row' },
      field('First day', from), field('Last day', to),
      action('device-read-log', 'Re-read dates', readLogBody, { title: "Days in the terminal's time zone" })),
    h('div', { class: 'action-row' },
      confirmed('device-clear', 'Clear attendance', 'Clear the attendance log?',
        `This deletes every attendance record stored on ${serial}. The relay refuses it while any record is missing from the relay.`,
        { type: 'clear_attendance', confirm: true })),
    status);

  loadDevice();
  loadCommands();
  loadRecent(ctx, '/v1/logs', serial).then((items) => fill(punches, punchTable(items)), (err) => showError(punches, err));
  loadRecent(ctx, '/v1/events', serial).then((items) => fill(events, eventTable(items)), (err) => showError(events, err));

  return h('div', { class: 'view' },
    h('p', { class: 'crumbs' }, link('#/fleet', '← Fleet')),
    title,
    h('div', { class: 'grid' }, section('Details', info), section('Actions', actions)),
    section('Commands', commands),
    section('Recent punches', punches),
    section('Recent device events', events));
}

function deviceDetails(device) {
  const clock = device.clock;
  const rec = device.reconciliation;
  return h('div', {},
    details([
      ['Serial', h('span', { class: 'mono' }, device.serial_number)],
      ['Name', device.name], ['Location', device.location],
      ['State', badge(deviceState(device))], ['Registration', device.registration], ['Site', device.site],
      ['Last seen', timeEl(device.last_seen)], ['Firmware', device.firmware], ['Time zone', device.time_zone],
      ['Users', fmtNum(device.users)], ['Records', fmtNum(device.logs)], ['Storage', device.storage],
      ['Added', timeEl(device.created_at)],
    ]),
    h('h3', {}, 'Clock'),
    clock ? details([
      ['Terminal time', clock.device_time], ['Drift', fmtDrift(clock.drift_s)], ['Checked', timeEl(clock.checked_at)],
      ['Policy', clock.policy], ['Threshold', typeof clock.threshold_s === 'number' ? `${fmtNum(clock.threshold_s)} s` : null],
    ]) : h('p', { class: 'muted' }, 'Not read yet (push terminals take their clock from the agent).'),
    h('h3', {}, 'Reconciliation'),
    rec ? details([
      ['On the terminal', fmtNum(rec.terminal_records)], ['At the relay', fmtNum(rec.relay_records)],
      ['Missing', fmtNum(rec.missing)], ['Checked', timeEl(rec.checked_at)],
    ]) : h('p', { class: 'muted' }, 'No comparison yet.'));
}

// /v1/logs and /v1/events page oldest first (insertion order): read since yesterday (UTC)
// and keep the newest RECENT, newest first.
async function loadRecent(ctx, path, serial) {
  let items = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const res = await ctx.api.get(path, {
      signal: ctx.signal,
      query: { device_id: serial, start_date: utcDate(daysAgo(1)), limit: PAGE, cursor },
    });
    items = items.concat((res && res.data) || []).slice(-RECENT);
    if (!res || !res.has_more || !res.next_cursor) break;
    cursor = res.next_cursor;
  }
  return items.sort((a, b) => String(b.timestamp).localeCompare(String(a.timestamp)));
}

function punchTable(items) {
  if (!items.length) return empty('No punches since yesterday.');
  return table('Recent punches', ['Time', 'User', 'Type', 'Method', 'Terminal time', 'Details'], items.map((p) =>
    h('tr', { 'data-event-id': p.event_id },
      td(timeEl(p.timestamp)), td(text(p.user_id)), td(text(p.punch_type)), td(text(p.method)),
      td(text(p.local_time)), td(punchDetails(p)))));
}

function eventTable(items) {
  if (!items.length) return empty('No device events since yesterday.');
  return table('Recent device events', ['Time', 'Type', 'User', 'Terminal time', 'Details'], items.map((e) =>
    h('tr', { 'data-event-id': e.event_id },
      td(timeEl(e.timestamp)), td(text(e.type)), td(text(e.user_id)), td(text(e.local_time)), td(eventDetails(e)))));
}
