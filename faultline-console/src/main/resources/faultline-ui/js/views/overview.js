// Overview: every service's health, the reliability figures (MTTR, availability, failure rate, data lost) with their
// charts over time, the open issues and the latest events and incidents. Refreshes every 2 seconds.
import * as api from '../api.js';
import {TimeChart} from '../charts.js';
import {badge, fmtDuration, fmtNumber, fmtPercent, h, link, replace, section, table, when} from '../dom.js';
import {poll} from '../poll.js';

const WINDOWS = [
  {label: '2 min', window: 'PT2M', millis: 120_000, step: 'PT5S', per: '5 s'},
  {label: '15 min', window: 'PT15M', millis: 900_000, step: 'PT30S', per: '30 s'},
  {label: '1 h', window: 'PT1H', millis: 3_600_000, step: 'PT2M', per: '2 min'},
  {label: '24 h', window: 'PT24H', millis: 86_400_000, step: 'PT1H', per: 'hour'},
];
/** Workflow transitions worth a line in the overview: the rest (every step of every order) would drown it. */
const NOTABLE_TRANSITIONS = new Set(['RESUMED', 'STEP_FAILED', 'FAILED', 'COMPENSATED', 'CANCELLED', 'TAKEN_OVER']);
const RECOVERY_TYPES = new Set(['ComponentRecovered', 'ComponentStarted', 'LeaderElected', 'StateRolledBack',
  'StateRecovered']);

function kpi(id, label, value, detail) {
  return h('div', {class: 'kpi', id}, h('div', {class: 'label', text: label}), h('div', {class: 'value', text: value}),
      h('div', {class: 'detail', text: detail || ''}));
}

/** A class name without its package. */
export function shortType(type) {
  return String(type || 'failure').replace(/^.*\./, '');
}

/** Whether a timeline entry is worth showing on the overview. */
function notable(entry) {
  return entry.kind === 'incident' || entry.type !== 'Transition' || NOTABLE_TRANSITIONS.has((entry.fields || {}).kind);
}

/** The entry in words: the server's summary, or for a workflow transition what happened to which workflow. */
function describe(entry) {
  const f = entry.fields || {};
  if (entry.type === 'Transition' && f.workflowId) {
    return f.workflowId + ' ' + String(f.kind || '').toLowerCase().replace(/_/g, ' ')
        + (f.step ? ' at step ' + f.step : '') + (f.detail ? ' (' + f.detail + ')' : '');
  }
  if (entry.type === 'LeaderElected' && f.owner) {
    return f.owner + ' took over ' + entry.source + ' (lease epoch ' + f.epoch + ')';
  }
  return entry.summary || entry.type;
}

function isRecovery(entry) {
  if (RECOVERY_TYPES.has(entry.type)) return true;
  const f = entry.fields || {};
  return (entry.type === 'CircuitStateChanged' && f.to === 'CLOSED') || (entry.type === 'Transition' && f.kind === 'RESUMED');
}

/** Shows the overview; returns its cleanup. */
export function show(container, ctx) {
  let choice = WINDOWS[0];
  const kpis = h('div', {class: 'kpis', id: 'kpis'});
  const services = h('div', {id: 'services'});
  const issues = h('div', {id: 'issues'});
  const timeline = h('div', {id: 'timeline'});
  const chartBoxes = {
    mttr: h('div', {class: 'chart', id: 'chart-mttr'}),
    availability: h('div', {class: 'chart', id: 'chart-availability'}),
    failures: h('div', {class: 'chart', id: 'chart-failure-rate'}),
  };
  const charts = {
    mttr: new TimeChart(chartBoxes.mttr, {format: fmtDuration}),
    availability: new TimeChart(chartBoxes.availability, {format: (v) => v.toFixed(v >= 99.9 && v < 100 ? 3 : 1) + ' %',
      axisFormat: (v) => v.toFixed(0) + ' %', yMin: 90, yMax: 100}),
    failures: new TimeChart(chartBoxes.failures, {format: (v) => fmtNumber(v)}),
  };
  const failuresTitle = h('h2', {text: 'Failures per ' + choice.per});
  const picker = h('div', {class: 'picker', attrs: {role: 'group', 'aria-label': 'window'}},
      WINDOWS.map((w) => h('button', {
        class: w === choice ? 'chosen' : '', text: w.label,
        on: {click: (event) => {
          choice = w;
          replace(failuresTitle, 'Failures per ' + w.per);
          for (const b of picker.children) b.className = b === event.target ? 'chosen' : '';
          refresh().catch(ctx.showError);
        }},
      })));

  replace(container,
      h('div', {class: 'heading'}, h('h1', {text: 'Overview'}), picker),
      kpis,
      section('Services', 'services-card', services),
      h('div', {class: 'charts'},
          section('Mean time to recover', 'mttr-card', chartBoxes.mttr),
          section('Availability', 'availability-card', chartBoxes.availability),
          h('section', {class: 'card', id: 'failure-rate-card'}, failuresTitle, chartBoxes.failures)),
      h('div', {class: 'columns'},
          section('Open issues', 'issues-card', issues),
          section('Latest events and incidents', 'timeline-card', timeline)));

  async function refresh() {
    const w = choice;
    const [svc, rel, iss, tl] = await Promise.all([
      api.get('/api/v1/services'),
      api.get('/api/v1/reliability', {window: w.window}),
      api.get('/api/v1/issues', {limit: 20}),
      api.get('/api/v1/timeline', {limit: 200}),
    ]);
    const names = svc.services.map((s) => s.service).sort();
    const to = new Date();
    const from = new Date(to.getTime() - w.millis);
    const series = await Promise.all(names.map((service) => api.get('/api/v1/reliability/series',
        {service, from: from.toISOString(), to: to.toISOString(), step: w.step})));
    renderKpis(svc.services, rel.services || []);
    renderServices(svc.services, rel.services || []);
    renderCharts(names, series);
    renderIssues(iss.issues);
    renderTimeline(tl.entries);
  }

  function renderKpis(list, reliability) {
    const up = list.filter((s) => s.health === 'UP').length;
    const openIssues = list.reduce((n, s) => n + (s.openIssues || 0), 0);
    const incidents = list.reduce((n, s) => n + (s.incidents || 0), 0);
    let recoveries = 0;
    let mttrWeighted = 0;
    let failuresPerHour = 0;
    let lost = 0;
    let lowest = null;
    for (const r of reliability) {
      const m = r.metrics || {};
      if (m.mttrMillis !== null && m.mttrMillis !== undefined && m.recoveries > 0) {
        recoveries += m.recoveries;
        mttrWeighted += m.mttrMillis * m.recoveries;
      }
      failuresPerHour += m.failuresPerHour || 0;
      lost += m.recordsLost || 0;
      if (m.availability !== null && m.availability !== undefined && (lowest === null || m.availability < lowest.value)) {
        lowest = {value: m.availability, service: r.service};
      }
    }
    replace(kpis,
        kpi('kpi-services', 'Services up', list.length ? up + ' / ' + list.length : '—'),
        kpi('kpi-issues', 'Open issues', String(openIssues), incidents + ' incidents'),
        kpi('kpi-recoveries', 'Recoveries', String(recoveries), 'in the last ' + choice.label),
        kpi('kpi-mttr', 'MTTR', recoveries > 0 ? fmtDuration(mttrWeighted / recoveries) : '—', 'mean time to recover'),
        kpi('kpi-availability', 'Lowest availability', lowest ? fmtPercent(lowest.value) : '—',
            lowest ? lowest.service : ''),
        kpi('kpi-failure-rate', 'Failure rate', fmtNumber(failuresPerHour) + '/h', 'all services'),
        kpi('kpi-lost', 'Records lost', String(lost), 'rolled back or torn'));
  }

  function renderServices(list, reliability) {
    const byName = new Map(reliability.map((r) => [r.service, r.metrics || {}]));
    replace(services, table(
        ['Service', 'Health', 'Down now', 'MTTR', 'Availability', 'Failures', 'Open issues', 'Last seen'],
        list.map((s) => {
          const m = byName.get(s.service) || {};
          return [
            h('strong', {text: s.service}),
            badge(s.health, s.healthReason || ''),
            (s.downComponents || []).length ? (s.downComponents || []).join(', ') : '—',
            fmtDuration(m.mttrMillis),
            fmtPercent(m.availability),
            fmtNumber(m.failures === undefined ? null : m.failures),
            String(s.openIssues || 0),
            when(s.lastSeen),
          ];
        }), {id: 'services-table', empty: 'no service has reported yet'}));
  }

  function renderCharts(names, series) {
    // The time axis of the first service that has points: one with no reliability events yet (only heartbeats or
    // incidents) has none, and taken first it left every chart empty.
    const timed = series.find((s) => s.points.length > 0);
    const xs = timed ? timed.points.map((p) => Date.parse(p.from) / 1000) : [];
    const pick = (f) => names.map((name, i) => ({
      label: name,
      values: xs.map((x, j) => {
        const p = series[i].points[j];
        return p ? f(p) : null;
      }),
    }));
    charts.mttr.update(xs, pick((p) => (p.mttrMillis === null || p.mttrMillis === undefined ? null : p.mttrMillis)));
    charts.availability.update(xs, pick((p) => (p.availability === null || p.availability === undefined
      ? null : p.availability * 100)));
    charts.failures.update(xs, pick((p) => (p.failures === undefined ? null : p.failures)));
  }

  function renderIssues(list) {
    const open = list.filter((i) => i.status !== 'RESOLVED');
    replace(issues, table(['Status', 'Issue', 'Where', 'Count', 'Last seen'],
        open.map((i) => [
          badge(i.status),
          link('/incidents/' + encodeURIComponent(i.lastIncident), shortType(i.type) + ': ' + (i.message || ''),
              {class: 'issue-link'}),
          i.service + ' / ' + i.component,
          String(i.count),
          when(i.lastSeen),
        ]), {id: 'issues-table', empty: 'no open issue'}));
  }

  function renderTimeline(entries) {
    replace(timeline, table(['Time', 'Service', 'What', ''],
        entries.filter(notable).slice(0, 25).map((e) => ({
          rowClass: e.kind === 'incident' ? 'incident' : isRecovery(e) ? 'recovery' : '',
          cells: [
            when(e.time),
            e.service,
            e.kind === 'incident' ? badge('INCIDENT') : h('span', {class: 'type', text: e.type}),
            e.kind === 'incident' ? link('/incidents/' + encodeURIComponent(e.id), e.summary) : describe(e),
          ],
        })), {id: 'timeline-table', empty: 'nothing reported yet'}));
  }

  const stop = poll(refresh, 2000, ctx.showError);
  return () => {
    stop();
    Object.values(charts).forEach((c) => c.destroy());
  };
}
