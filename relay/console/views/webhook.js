// One webhook endpoint: its last 24 hours (success rate and latency per hour), the
// delivery log with every attempt, resend, and recovery of failed deliveries.

import { h, fill, slot } from '/console/dom.js';
import { barChart } from '/console/chart.js';
import { timeEl, lastUtcHours, hourKey, formatHour, formatHourShort, datetimeLocalToUtc, toDatetimeLocal, daysAgo } from '/console/time.js';
import {
  badge, details, empty, field, fmtNum, fmtPercent, link, section, showError, statusLine, table, td, text,
} from '/console/ui.js';

const PAGE = 50;
const HOUR_MS = 3600 * 1000;

export default function webhookView(ctx) {
  const base = `/v1/webhooks/${encodeURIComponent(ctx.params.id)}`;
  const view = { deliveries: [], cursor: null, request: 0 };
  const title = h('h1', { class: 'wrap' }, ctx.params.id);
  const info = slot();
  const stats = slot();
  const list = slot();
  const status = statusLine();
  const filter = h('select', { 'data-testid': 'delivery-filter', onchange: () => loadDeliveries(false) },
    [['', 'All'], ['pending', 'Pending'], ['delivered', 'Delivered'], ['failed', 'Failed']]
      .map(([value, label]) => h('option', { value }, label)));
  const more = h('button', { type: 'button', class: 'button', hidden: true, onclick: () => loadDeliveries(true) }, 'Load more');

  async function loadEndpoint() {
    try {
      const endpoint = await ctx.api.get(base, { signal: ctx.signal });
      fill(title, endpoint.url);
      fill(info, details([
        ['Id', h('span', { class: 'mono' }, endpoint.id)], ['URL', endpoint.url], ['Description', endpoint.description],
        ['Events', endpoint.events && endpoint.events.length ? endpoint.events.join(', ') : 'all events'],
        ['State', badge(endpoint.enabled ? 'enabled' : 'disabled')], ['Disabled because', endpoint.disabled_reason],
        ['Previous secret until', endpoint.secret_rotation ? timeEl(endpoint.secret_rotation.previous_secret_expires_at) : null],
        ['Created', timeEl(endpoint.created_at)], ['Updated', timeEl(endpoint.updated_at)],
      ]));
    } catch (err) {
      showError(info, err);
    }
  }

  async function loadStats() {
    try {
      const res = await ctx.api.get(`${base}/stats`, { signal: ctx.signal, query: { hours: 24 } });
      fill(stats, statsPanel(res || {}));
    } catch (err) {
      showError(stats, err);
    }
  }

  // append: the next page; otherwise from the start (a later call wins over an earlier one).
  async function loadDeliveries(append) {
    const request = ++view.request;
    more.disabled = true;
    try {
      const res = await ctx.api.get(`${base}/deliveries`, {
        signal: ctx.signal,
        query: { limit: PAGE, status: filter.value, cursor: append ? view.cursor : null },
      });
      if (request !== view.request) return;
      const page = (res && res.data) || [];
      view.deliveries = append ? view.deliveries.concat(page) : page;
      view.cursor = res && res.has_more ? res.next_cursor : null;
      more.hidden = !view.cursor;
      renderDeliveries();
    } catch (err) {
      showError(list, err);
    } finally {
      more.disabled = false;
    }
  }

  // Newest first over what is loaded.
  function renderDeliveries() {
    const sorted = [...view.deliveries].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    if (!sorted.length) return fill(list, empty(filter.value ? `No ${filter.value} deliveries.` : 'No deliveries yet.'));
    const tbody = h('tbody', {}, sorted.map((d) => deliveryRows(d, resend)));
    fill(list, table('Deliveries', ['Created', 'Event', 'State', 'Attempts', 'Outcome', ''], tbody));
  }

  async function resend(delivery, buttonEl) {
    buttonEl.disabled = true;
    try {
      const updated = await ctx.api.post(`${base}/deliveries/${encodeURIComponent(delivery.id)}/resend`);
      view.deliveries = view.deliveries.map((d) => (d.id === delivery.id ? { ...d, ...updated } : d));
      status.set(`Delivery ${delivery.id} queued again.`, 'ok');
      renderDeliveries();
    } catch (err) {
      status.fail(err);
      buttonEl.disabled = false;
    }
  }

  const since = h('input', { type: 'datetime-local', value: toDatetimeLocal(daysAgo(1)), required: true, 'data-testid': 'recover-since' });
  async function recover(event) {
    event.preventDefault();
    const value = datetimeLocalToUtc(since.value);
    if (!value) return status.set('Choose a time to recover from.', 'error');
    try {
      const res = await ctx.api.post(`${base}/recover`, { since: value });
      status.set(`${fmtNum(res && res.requeued)} failed deliveries queued again.`, 'ok');
      loadDeliveries(false);
    } catch (err) {
      status.fail(err);
    }
  }

  loadEndpoint();
  loadStats();
  loadDeliveries(false);
  return h('div', { class: 'view' },
    h('p', { class: 'crumbs' }, link('#/webhooks', '← Webhooks')),
    title,
    h('div', { class: 'grid' }, section('Endpoint', info), section('Last 24 hours', stats)),
    section('Deliveries',
      h('div', { class: 'filters' },
        field('State', filter),
        h('form', { class: 'inline-form', onsubmit: recover },
          field('Recover failed since', since),
          h('button', { type: 'submit', class: 'button', 'data-testid': 'webhook-recover' }, 'Recover'))),
      status,
      list,
      more));
}

function statsPanel(res) {
  const byHour = new Map((res.hours || []).map((row) => [hourKey(row.hour), row]));
  const hours = lastUtcHours(24);
  const rows = hours.map((hour) => ({ hour, row: byHour.get(hourKey(hour)) || {} }));
  const range = (hour) => `${formatHour(hour)}–${formatHour(new Date(hour.getTime() + HOUR_MS))}`;
  const rate = rows.map(({ hour, row }) => {
    const attempts = Number(row.attempts) || 0;
    const value = attempts ? (Number(row.delivered) || 0) / attempts : null;
    return {
      label: formatHourShort(hour),
      value,
      title: `${range(hour)}: ${value === null ? 'no attempts' : `${fmtPercent(value)} of ${fmtNum(attempts)} attempts succeeded`}`,
    };
  });
  const latency = rows.map(({ hour, row }) => ({
    label: formatHourShort(hour),
    value: typeof row.latency_ms_avg === 'number' ? row.latency_ms_avg : null,
    title: `${range(hour)}: ${typeof row.latency_ms_avg === 'number' ? `${fmtNum(Math.round(row.latency_ms_avg))} ms average` : 'no attempts'}`,
  }));
  return h('div', {},
    details([
      ['Success rate', fmtPercent(res.success_rate)], ['Attempts', fmtNum(res.attempts)],
      ['Succeeded (2xx)', fmtNum(res.delivered)], ['Failed', fmtNum(res.failed)],
    ]),
    h('h3', {}, 'Success rate per hour'),
    barChart(rate, { title: 'Success rate per hour, last 24 hours', max: 1, format: fmtPercent, className: 'chart-rate' }),
    h('h3', {}, 'Average latency per hour'),
    barChart(latency, { title: 'Average attempt latency per hour, last 24 hours', format: (v) => `${fmtNum(Math.round(v))} ms`, className: 'chart-latency' }));
}

// A delivery's row, and a second row with its attempts that its Attempts button expands.
function deliveryRows(delivery, resend) {
  const attemptsId = `attempts-${delivery.id}`;
  const attempts = delivery.attempts || [];
  const expanded = h('tr', { id: attemptsId, class: 'attempts-row', hidden: true },
    h('td', { colspan: '6' }, attemptsTable(attempts), payloadDetails(delivery.payload)));
  const toggle = h('button', {
    type: 'button', class: 'button small', 'aria-expanded': 'false', 'aria-controls': attemptsId, 'data-testid': 'delivery-attempts',
  }, attemptsLabel(delivery, true));
  toggle.addEventListener('click', () => {
    expanded.hidden = !expanded.hidden;
    toggle.setAttribute('aria-expanded', String(!expanded.hidden));
    toggle.textContent = attemptsLabel(delivery, expanded.hidden);
  });
  const resendButton = h('button', { type: 'button', class: 'button small', 'data-testid': 'delivery-resend' }, 'Resend');
  resendButton.addEventListener('click', () => resend(delivery, resendButton));
  const main = h('tr', { 'data-testid': 'delivery-row', 'data-state': delivery.status, 'data-delivery-id': delivery.id },
    td(timeEl(delivery.created_at)),
    td([h('div', {}, text(delivery.event_type)), h('div', { class: 'mono field-hint' }, text(delivery.event_id))]),
    td(badge(delivery.status)),
    td(toggle),
    td(outcome(delivery), { class: 'wrap' }),
    td(resendButton));
  return [main, expanded];
}

function attemptsLabel(delivery, collapsed) {
  const count = delivery.attempt_count ?? (delivery.attempts || []).length;
  return `${fmtNum(count)} ${count === 1 ? 'attempt' : 'attempts'} ${collapsed ? '▸' : '▾'}`;
}

function outcome(delivery) {
  if (delivery.status === 'delivered') return ['delivered ', timeEl(delivery.delivered_at)];
  const parts = [];
  if (delivery.last_error) parts.push(h('div', { class: 'text-error' }, delivery.last_error));
  if (delivery.status === 'pending' && delivery.next_attempt_at) parts.push(h('div', {}, 'next attempt ', timeEl(delivery.next_attempt_at)));
  return parts.length ? parts : '—';
}

function attemptsTable(attempts) {
  if (!attempts.length) return empty('No attempts yet.');
  return table('Attempts', ['#', 'At', 'Status', { label: 'Latency', num: true }, 'Error', 'Response'], attempts.map((a) =>
    h('tr', {},
      td(String(a.attempt)), td(timeEl(a.at)), td(a.status_code === null || a.status_code === undefined ? 'no answer' : String(a.status_code)),
      td(`${fmtNum(a.latency_ms)} ms`, { class: 'num' }), td(text(a.error), { class: 'wrap' }),
      td(a.response_excerpt ? h('pre', { class: 'excerpt' }, a.response_excerpt) : '—'))));
}

function payloadDetails(payload) {
  if (payload === undefined || payload === null) return null;
  return h('details', { class: 'payload' }, h('summary', {}, 'Payload'), h('pre', { class: 'excerpt' }, JSON.stringify(payload, null, 2)));
}
