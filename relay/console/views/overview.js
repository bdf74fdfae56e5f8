// Overview: punches per hour today, devices offline, webhook deliveries failing (24 h),
// and the sites' agents with their outbox backlog.

import { h, fill, slot } from '/console/dom.js';
import { errorMessage } from '/console/api.js';
import { barChart } from '/console/chart.js';
import { localDay, utcHoursCovering, utcDate, hourKey, formatHour, formatHourShort, timeEl, viewerZone } from '/console/time.js';
import { badge, deviceState, empty, fmtNum, link, paths, section, showError, table, td, numTd, text } from '/console/ui.js';

const REFRESH_MS = 60000;
const HOUR_MS = 3600 * 1000;

export default function overviewView(ctx) {
  const punches = slot();
  const devices = slot();
  const deliveries = slot();
  const agents = slot();
  const panels = [
    [punches, loadPunches],
    [devices, loadDevices],
    [deliveries, loadDeliveries],
    [agents, loadAgents],
  ];

  function refresh() {
    for (const [el, load] of panels) load(ctx, el).catch((err) => showError(el, err));
    ctx.later(refresh, REFRESH_MS);
  }
  refresh();

  return h('div', { class: 'view' },
    h('h1', {}, 'Overview'),
    h('div', { class: 'grid' },
      section('Punches per hour today', punches),
      section('Devices', devices),
      section('Webhook deliveries (24 h)', deliveries),
      section('Agents', agents)));
}

// The viewer's local day, from the UTC hours of GET /v1/stats/punches that cover it.
async function loadPunches(ctx, el) {
  const { start, end } = localDay();
  const hours = utcHoursCovering(start, end);
  const res = await ctx.api.get('/v1/stats/punches', {
    signal: ctx.signal,
    query: { start_date: utcDate(hours[0]), end_date: utcDate(new Date(end.getTime() - 1)) },
  });
  const counts = new Map(((res && res.hours) || []).map((row) => [hourKey(row.hour), Number(row.punches) || 0]));
  const now = Date.now();
  let total = 0;
  const bars = hours.map((hour) => {
    const future = hour.getTime() > now;
    const value = future ? null : counts.get(hourKey(hour)) || 0;
    total += value || 0;
    const range = `${formatHour(hour)}–${formatHour(new Date(hour.getTime() + HOUR_MS))}`;
    return { label: formatHourShort(hour), value, title: future ? `${range}: later today` : `${range}: ${fmtNum(value)} punches` };
  });
  fill(el,
    h('p', { class: 'stat' }, h('span', { class: 'stat-value' }, fmtNum(total)), ' punches so far today'),
    barChart(bars, { title: `Punches per hour today, ${fmtNum(total)} in all`, format: fmtNum }),
    h('p', { class: 'field-hint' }, `Hours in your time zone (${viewerZone()}).`));
}

async function loadDevices(ctx, el) {
  const res = await ctx.api.get('/v1/devices', { signal: ctx.signal });
  const list = (res && res.data) || [];
  if (!list.length) return fill(el, empty('No devices yet — they appear when an agent reports them.'));
  const count = { online: 0, offline: 0, pending: 0 };
  for (const device of list) count[deviceState(device)] += 1;
  fill(el,
    h('p', { class: count.offline ? 'stat stat-bad' : 'stat' },
      h('span', { class: 'stat-value' }, fmtNum(count.offline)), ` offline of ${fmtNum(list.length)}`),
    h('ul', { class: 'plain' },
      h('li', {}, badge('online'), ` ${fmtNum(count.online)}`),
      h('li', {}, badge('offline'), ` ${fmtNum(count.offline)}`),
      h('li', {}, badge('pending'), ` ${fmtNum(count.pending)} waiting to be registered`)),
    link('#/fleet', 'Open the fleet'));
}

// "failed" (attempts that got no 2xx) summed over every endpoint's
// GET /v1/webhooks/{id}/stats?hours=24.
async function loadDeliveries(ctx, el) {
  const res = await ctx.api.get('/v1/webhooks', { signal: ctx.signal });
  const endpoints = (res && res.data) || [];
  if (!endpoints.length) return fill(el, empty('No webhook endpoints yet.'), link('#/webhooks', 'Add one'));
  const results = await Promise.allSettled(endpoints.map((endpoint) =>
    ctx.api.get(`/v1/webhooks/${encodeURIComponent(endpoint.id)}/stats`, { signal: ctx.signal, query: { hours: 24 } })));
  let failed = 0;
  const rows = [];
  const problems = [];
  results.forEach((result, i) => {
    const endpoint = endpoints[i];
    if (result.status === 'rejected') return problems.push(`${endpoint.url}: ${errorMessage(result.reason)}`);
    failed += Number(result.value.failed) || 0;
    if (result.value.failed > 0 || !endpoint.enabled) rows.push([endpoint, result.value]);
  });
  if (ctx.signal.aborted) return;
  fill(el,
    h('p', { class: failed ? 'stat stat-bad' : 'stat' }, h('span', { class: 'stat-value' }, fmtNum(failed)), ' failed attempts'),
    rows.length
      ? h('ul', { class: 'plain' }, rows.map(([endpoint, stats]) => h('li', {},
        link(paths.webhook(endpoint.id), endpoint.url, { class: 'wrap' }), ` — ${fmtNum(stats.failed)} failed of ${fmtNum(stats.attempts)}`,
        endpoint.enabled ? null : [' ', badge('disabled')])))
      : h('p', { class: 'muted' }, `All ${fmtNum(endpoints.length)} endpoints are delivering.`),
    problems.map((p) => h('p', { class: 'form-error' }, p)));
}

async function loadAgents(ctx, el) {
  const res = await ctx.api.get('/v1/sites', { signal: ctx.signal });
  const sites = (res && res.data) || [];
  if (!sites.length) return fill(el, empty('No sites yet — an operator creates them with punchlink-relay sites create.'));
  let backlog = 0;
  const rows = sites.map((site) => {
    const agent = site.agent || {};
    backlog += Number(agent.outbox_pending) || 0;
    return h('tr', { 'data-site-id': site.site_id },
      td(text(site.site_id)),
      td(badge(agent.online ? 'online' : 'offline')),
      td(timeEl(agent.seen_at, 'relative')),
      td(text(agent.agent_version)),
      numTd(agent.outbox_pending));
  });
  fill(el,
    h('p', { class: backlog ? 'stat stat-warn' : 'stat' }, h('span', { class: 'stat-value' }, fmtNum(backlog)), ' records waiting in agents\' outboxes'),
    table('Agents', ['Site', 'Agent', 'Seen', 'Version', { label: 'Outbox', num: true }], rows));
}
