// A tiny SVG bar chart. Colours and fonts come from styles.css through classes; geometry
// uses SVG presentation attributes (allowed by the style-src 'self' policy).

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 360;
const PLOT_TOP = 16;
const PLOT_HEIGHT = 100;
const LABEL_HEIGHT = 18;
const MAX_LABELS = 6;
const LABEL_ROOM = 44; // about one label's width: the last ones are anchored at their end

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

// bars: [{label, value (number or null: no data), title}], opts:
//   {title (the accessible name), max (fixed top of the scale, e.g. 1 for rates),
//    format (value → text for the scale and tooltips), className (extra class)}
export function barChart(bars, opts = {}) {
  const format = opts.format || ((v) => String(v));
  const values = bars.map((b) => b.value).filter((v) => typeof v === 'number' && Number.isFinite(v));
  const max = opts.max ?? Math.max(1, ...values);
  const height = PLOT_TOP + PLOT_HEIGHT + LABEL_HEIGHT;
  const slot = WIDTH / Math.max(1, bars.length);
  const gap = Math.min(4, slot * 0.2);
  const labelEvery = Math.max(1, Math.ceil(bars.length / MAX_LABELS));

  const svg = s('svg', {
    class: `chart ${opts.className || ''}`.trim(),
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: 'img',
    'aria-label': opts.title || 'bar chart',
  });
  svg.append(s('title', {}, opts.title || 'bar chart'));
  svg.append(s('line', { class: 'chart-grid', x1: 0, x2: WIDTH, y1: PLOT_TOP, y2: PLOT_TOP }));
  svg.append(s('line', { class: 'chart-axis', x1: 0, x2: WIDTH, y1: PLOT_TOP + PLOT_HEIGHT, y2: PLOT_TOP + PLOT_HEIGHT }));
  svg.append(s('text', { class: 'chart-scale', x: 2, y: PLOT_TOP - 4 }, format(max)));

  bars.forEach((bar, i) => {
    const x = i * slot;
    const has = typeof bar.value === 'number' && Number.isFinite(bar.value);
    const barHeight = has ? Math.max(bar.value > 0 ? 1 : 0, (Math.min(bar.value, max) / max) * PLOT_HEIGHT) : 0;
    const tip = bar.title || `${bar.label}: ${has ? format(bar.value) : 'no data'}`;
    const group = s('g', { class: has ? 'chart-bar' : 'chart-bar chart-bar-empty' }, s('title', {}, tip));
    group.append(s('rect', { class: 'chart-hit', x, y: 0, width: slot, height: PLOT_TOP + PLOT_HEIGHT }));
    if (has) {
      group.append(s('rect', {
        class: 'chart-fill',
        x: x + gap / 2,
        y: PLOT_TOP + PLOT_HEIGHT - barHeight,
        width: Math.max(1, slot - gap),
        height: barHeight,
      }));
    }
    svg.append(group);
    if (i % labelEvery === 0) {
      const atEnd = x + LABEL_ROOM > WIDTH;
      svg.append(s('text', { class: 'chart-label', x: atEnd ? x + slot : x, y: height - 4, 'text-anchor': atEnd ? 'end' : 'start' }, bar.label));
    }
  });
  return svg;
}
