// One incident: what was thrown and where, the other occurrences of its issue, the log traceback (what went wrong
// first), the suspected root causes, and the live state of the fault trees.
import * as api from '../api.js';
import {badge, fmtNumber, fmtTime, h, link, replace, section, table, when} from '../dom.js';
import {poll} from '../poll.js';
import {shortType} from './overview.js';

function facts(pairs) {
  return h('dl', {class: 'facts'}, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => [h('dt', {text: k}), h('dd', null, v)]));
}

function traceback(tb, logLines) {
  if (!tb) {
    if (!logLines || logLines.length === 0) return h('p', {class: 'muted', text: 'The incident carries no log lines.'});
    return h('pre', {class: 'log', id: 'log-lines'}, logLines.join('\n'));
  }
  const failureText = tb.failure ? tb.failure.text : null;
  const suspects = new Set((tb.suspects || []).map((s) => s.text));
  const rows = (tb.timeline || []).map((line) => ({
    rowClass: line.text === failureText ? 'failure' : suspects.has(line.text) ? 'suspect' : '',
    cells: [h('span', {class: 'when', text: line.time || ''}), badge(line.level || 'INFO'), h('code', {text: line.text}),
      line.template || ''],
  }));
  return h('div', null,
      table(['Time', 'Level', 'Line', 'Template'], rows, {id: 'traceback-table', empty: 'no timed log line'}),
      (tb.suspects || []).length ? h('div', {id: 'suspects'}, h('h3', {text: 'Where it went wrong first'}),
          h('ol', null, tb.suspects.map((s) => h('li', null, h('code', {text: s.text}),
              h('span', {class: 'muted', text: ' — score ' + s.score + ': ' + (s.reasons || []).join(', ')}))))) : null,
      (tb.notes || []).length ? h('ul', {class: 'notes'}, tb.notes.map((n) => h('li', {text: n}))) : null);
}

function rootCauses(list) {
  if (!list || list.length === 0) {
    return h('p', {class: 'muted', text: 'No other component failed in the 10 minutes before this incident.'});
  }
  return table(['Component', 'Onset', 'Score', 'Why'], list.map((c) => [
    h('strong', {text: c.component}), when(c.onset), fmtNumber(c.score), (c.reasons || []).join('; '),
  ]), {id: 'root-causes-table'});
}

/** The live state of one fault tree, as a small panel. */
export function liveState(live) {
  return h('div', {class: 'live', id: 'live-' + live.name},
      h('p', null, h('strong', {text: live.name + ' / ' + live.top + ': '}),
          badge(live.topFailed ? 'TOP-FAILED' : 'TOP-OK')),
      facts([
        ['Failed basic events', live.failed && live.failed.length ? live.failed.join(', ') : 'none'],
        ['Failed gates', live.failedGates && live.failedGates.length ? live.failedGates.join(', ') : 'none'],
        ['Complete cut sets', live.completeCutSetCount],
        ['One failure away', live.oneAwayCount],
      ]),
      (live.oneAway || []).length ? table(['Cut set', 'Still missing', 'Probability'], live.oneAway.map((o) => [
        o.events.join(' · '), h('strong', {text: o.missing}), fmtNumber(o.probability),
      ]), {empty: 'none'}) : null);
}

/** Shows incident id; returns the view's cleanup. */
export function show(container, id, ctx) {
  const live = h('div', {id: 'fault-tree-live'}, h('p', {class: 'muted', text: 'loading…'}));
  let stopLive = null;

  async function load() {
    const inc = await api.get('/api/v1/incidents/' + api.seg(id));
    const issue = inc.issue || {};
    const resolve = ctx.canOperate && issue.status && issue.status !== 'RESOLVED'
      ? h('button', {id: 'resolve', text: 'Mark issue resolved', on: {click: async () => {
        try {
          await api.post('/api/v1/issues/' + api.seg(inc.fingerprint) + '/resolve', {});
          await load();
        } catch (e) {
          ctx.showError(e);
        }
      }}}) : null;
    replace(container,
        h('p', null, link('/', '← Overview')),
        h('div', {class: 'heading'},
            h('h1', {id: 'incident-title', text: shortType(inc.exceptionType) + ': ' + (inc.message || '(no message)')}),
            resolve),
        h('div', {class: 'columns'},
            section('Incident', 'incident-card', facts([
              ['Issue', h('span', null, badge(issue.status), ' ' + (issue.count || 0) + ' occurrences since '
                  + fmtTime(issue.firstSeen))],
              ['Severity', badge(inc.severity)],
              ['Service / component', inc.service + ' / ' + inc.component],
              ['Time', fmtTime(inc.time)],
              ['Root cause type', inc.errorType],
              ['Thread', inc.threadName ? inc.threadName + ' (' + inc.threadId + ')' : null],
              ['Host / pid', (inc.host || '?') + ' / ' + inc.pid],
              ['Trace', inc.traceId ? inc.traceId + (inc.spanId ? ' / ' + inc.spanId : '') : null],
              ['Fingerprint', h('code', {text: inc.fingerprint})],
              ['MDC', inc.mdc && Object.keys(inc.mdc).length
                ? Object.entries(inc.mdc).map(([k, v]) => k + '=' + v).join(', ') : null],
            ])),
            section('Suspected root cause', 'root-cause-card', rootCauses(inc.suspectedRootCauses))),
        section('Stack trace', 'stack-card', h('pre', {class: 'stack', id: 'stacktrace', text: inc.stacktrace || ''})),
        section('Log traceback', 'traceback-card', traceback(inc.traceback, inc.logLines)),
        h('div', {class: 'columns'},
            section('Occurrences of this issue', 'occurrences-card', table(['Time', 'Service', 'Component', ''],
                (inc.occurrences || []).map((o) => ({
                  rowClass: o.id === inc.id ? 'current' : '',
                  cells: [when(o.time), o.service, o.component,
                    o.id === inc.id ? 'this one' : link('/incidents/' + encodeURIComponent(o.id), 'open')],
                })), {id: 'occurrences-table'})),
            section('Fault trees, live', 'live-card', live)));
    if (!stopLive) stopLive = poll(loadLive, 3000, ctx.showError);
  }

  async function loadLive() {
    const trees = await api.get('/api/v1/fault-trees');
    if (!trees.faultTrees.length) {
      replace(live, h('p', {class: 'muted', text: 'No fault tree uploaded.'}));
      return;
    }
    const states = await Promise.all(trees.faultTrees.map((t) => api.get('/api/v1/fault-trees/' + api.seg(t.name)
        + '/live', {top: (t.tops || [])[0]})));
    replace(live, states.map(liveState));
  }

  load().catch((e) => {
    ctx.showError(e);
    replace(container, h('p', null, link('/', '← Overview')), h('p', {class: 'muted', text: 'Incident ' + id
        + ' could not be shown.'}));
  });
  return () => {
    if (stopLive) stopLive();
  };
}
