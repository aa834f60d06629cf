// DOM helpers. Every piece of data from the API goes into the page as text (textContent), never as HTML, so nothing a
// service reports can inject markup or script into the dashboard.

/**
 * Creates an element. props: {class, id, text, title, attrs: {name: value}, on: {event: handler}}; children are
 * nodes, strings (as text), arrays of those, or null/undefined/false (skipped).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  const p = props || {};
  if (p.class) el.className = p.class;
  if (p.id) el.id = p.id;
  if (p.text !== undefined && p.text !== null) el.textContent = String(p.text);
  if (p.title) el.title = p.title;
  for (const [name, value] of Object.entries(p.attrs || {})) {
    if (value !== undefined && value !== null && value !== false) el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [event, handler] of Object.entries(p.on || {})) el.addEventListener(event, handler);
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Removes every child of el. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replaces the children of el. */
export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** A link inside the dashboard (hash route). */
export function link(route, text, props) {
  return h('a', Object.assign({}, props, {attrs: Object.assign({href: '#' + route}, (props || {}).attrs)}), text);
}

/** A status badge: its colour comes from the status name (UP, DOWN, NEW, RESOLVED, RUNNING, ...). */
export function badge(status, title) {
  const s = status === null || status === undefined ? 'UNKNOWN' : String(status);
  return h('span', {class: 'badge badge-' + s.toLowerCase().replace(/[^a-z0-9]+/g, '-'), text: s, title});
}

/** A table: headers, rows of cells (nodes or text), an optional id and empty-state text. */
export function table(headers, rows, options) {
  const o = options || {};
  const body = h('tbody', null, rows.map((cells) => h('tr', {class: cells.rowClass},
      (cells.cells || cells).map((c) => h('td', null, c)))));
  if (rows.length === 0) {
    body.appendChild(h('tr', {class: 'empty'}, h('td', {attrs: {colspan: headers.length}, text: o.empty || 'nothing yet'})));
  }
  return h('table', {id: o.id, class: 'data'}, h('thead', null, h('tr', null, headers.map((t) => h('th', {text: t})))), body);
}

/** A titled section (card). */
export function section(title, id, ...children) {
  return h('section', {class: 'card', id}, h('h2', {text: title}), ...children);
}

const pad = (n) => String(n).padStart(2, '0');

/** A time as local HH:MM:SS, with the date when it is not today; "—" for none. */
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const time = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return time;
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + time;
}

/** A time for a table cell: never wrapped, the full instant in its tooltip. */
export function when(iso) {
  return h('span', {class: 'when', text: fmtTime(iso), title: iso || ''});
}

/** A duration in milliseconds, in the largest sensible unit; "—" for none. */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60_000) return (ms / 1000).toFixed(ms < 10_000 ? 2 : 1) + ' s';
  if (ms < 3_600_000) return Math.floor(ms / 60_000) + ' min ' + Math.round((ms % 60_000) / 1000) + ' s';
  return Math.floor(ms / 3_600_000) + ' h ' + Math.round((ms % 3_600_000) / 60_000) + ' min';
}

/** A fraction (0..1) as a percentage; "—" for none. */
export function fmtPercent(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  const p = x * 100;
  return (p >= 99.995 && p < 100 ? p.toFixed(3) : p.toFixed(2)) + ' %';
}

/**
 * An importance measure as the server writes it: "undefined" for null (0 / 0, such as CIF when the top cannot occur),
 * "∞" for the string "Infinity" (such as RAW then), otherwise the number.
 */
export function fmtMeasure(x) {
  if (x === null || x === undefined) return 'undefined';
  if (x === 'Infinity' || x === Infinity) return '∞';
  if (x === '-Infinity' || x === -Infinity) return '-∞';
  return fmtNumber(x);
}

/** A number with at most 3 significant decimals; "—" for none. */
export function fmtNumber(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (typeof x === 'string') return x;
  if (Number.isInteger(x)) return x.toLocaleString('en');
  if (Math.abs(x) !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}
