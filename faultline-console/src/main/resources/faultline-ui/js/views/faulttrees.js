// Fault-tree analysis of the uploaded Open-PSA MEF models: probability of the top event, minimal cut sets, importance,
// and the tree's live state against the components down now. Operators upload and delete models.
import * as api from '../api.js';
import {fmtMeasure, fmtNumber, fmtTime, h, link, replace, section, table} from '../dom.js';
import {poll} from '../poll.js';
import {liveState} from './incident.js';

function uploadForm(ctx, done) {
  const name = h('input', {attrs: {name: 'name', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}',
    'aria-label': 'name'}});
  const file = h('input', {attrs: {name: 'file', type: 'file', accept: '.xml,application/xml', required: true,
    'aria-label': 'MEF file'}});
  const form = h('form', {id: 'upload-form', class: 'inline'}, h('span', {text: 'Upload MEF as'}), name, file,
      h('button', {attrs: {type: 'submit'}, text: 'Upload'}));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const xml = await file.files[0].text();
      await api.call('PUT', '/api/v1/fault-trees/' + api.seg(name.value), {xml});
      done(name.value);
    } catch (e) {
      ctx.showError(e);
    }
  });
  return form;
}

/** Shows the list of fault trees, or one tree when name is given; returns the view's cleanup. */
export function show(container, name, ctx) {
  return name ? showTree(container, name, ctx) : showList(container, ctx);
}

function showList(container, ctx) {
  const list = h('div', {id: 'fault-trees'});
  replace(container, h('div', {class: 'heading'}, h('h1', {text: 'Fault trees'})),
      ctx.canOperate ? uploadForm(ctx, (n) => {
        location.hash = '#/fault-trees/' + encodeURIComponent(n);
      }) : null,
      section('Models', 'fault-trees-card', list));
  return poll(async () => {
    const answer = await api.get('/api/v1/fault-trees');
    replace(list, table(['Name', 'Top events', 'Basic events', 'Gates', 'Uploaded'], answer.faultTrees.map((t) => [
      link('/fault-trees/' + encodeURIComponent(t.name), t.name), (t.tops || []).join(', '), String(t.basicEvents),
      String(t.gates), fmtTime(t.uploadedAt) + ' by ' + t.uploadedBy,
    ]), {id: 'fault-trees-table', empty: 'no fault tree uploaded'}));
  }, 5000, ctx.showError);
}

function showTree(container, name, ctx) {
  const analysis = h('div', {id: 'analysis'}, h('p', {class: 'muted', text: 'analysing…'}));
  const live = h('div', {id: 'live'});
  let top = null;
  const remove = ctx.canOperate ? h('button', {class: 'danger', text: 'Delete', on: {click: async () => {
    if (!window.confirm('Delete the fault tree ' + name + '?')) return;
    try {
      await api.call('DELETE', '/api/v1/fault-trees/' + api.seg(name));
      location.hash = '#/fault-trees';
    } catch (e) {
      ctx.showError(e);
    }
  }}}) : null;
  replace(container, h('p', null, link('/fault-trees', '← Fault trees')),
      h('div', {class: 'heading'}, h('h1', {text: 'Fault tree ' + name}), remove),
      h('div', {class: 'columns'}, section('Live state', 'live-card', live), section('Analysis', 'analysis-card',
          analysis)));

  async function analyse() {
    const tree = await api.get('/api/v1/fault-trees/' + api.seg(name));
    top = (tree.tops || [])[0];
    const a = await api.get('/api/v1/fault-trees/' + api.seg(name) + '/analysis', {top, cutSets: 20, importance: true});
    replace(analysis,
        h('dl', {class: 'facts'},
            h('dt', {text: 'Top event'}), h('dd', {text: a.top}),
            h('dt', {text: 'Probability'}), h('dd', {id: 'top-probability', text: fmtNumber(a.probability)}),
            h('dt', {text: 'Rare-event / MCUB'}), h('dd', {text: fmtNumber(a.rareEvent) + ' / ' + fmtNumber(a.mcub)}),
            h('dt', {text: 'Mission time'}), h('dd', {text: fmtNumber(a.missionTime) + ' h'}),
            h('dt', {text: 'Minimal cut sets'}), h('dd', {text: a.cutSetCount + ' (by order: '
                + (a.orderDistribution || []).map((n, i) => (i + 1) + ': ' + n).filter((t) => !t.endsWith(': 0'))
                    .join(', ') + ')'})),
        h('h3', {text: 'Minimal cut sets'}),
        table(['Events', 'Probability'], (a.cutSets || []).map((c) => [c.events.join(' · '), fmtNumber(c.probability)]),
            {id: 'cut-sets-table'}),
        h('h3', {text: 'Importance'}),
        table(['Event', 'Probability', 'Birnbaum', 'Criticality', 'Fussell-Vesely', 'RAW', 'RRW'],
            (a.importance || []).map((i) => [i.event, fmtNumber(i.probability), fmtNumber(i.mif), fmtMeasure(i.cif),
              fmtMeasure(i.dif), fmtMeasure(i.raw), fmtMeasure(i.rrw)]), {id: 'importance-table'}),
        h('p', {class: 'muted', text: 'Analysed in ' + a.analysisMillis + ' ms.'}));
  }

  analyse().catch(ctx.showError);
  return poll(async () => {
    const state = await api.get('/api/v1/fault-trees/' + api.seg(name) + '/live', {top});
    replace(live, liveState(state), state.autoFailed && state.autoFailed.length
      ? h('p', {class: 'muted', text: 'Failed because their component or service is down now: '
          + state.autoFailed.join(', ')}) : null);
  }, 2000, ctx.showError);
}
