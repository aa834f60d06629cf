// Durable workflows of the stores the server knows: status, steps, and (operators) resume or cancel.
import * as api from '../api.js';
import {badge, h, replace, section, table} from '../dom.js';
import {poll} from '../poll.js';

const STATUSES = ['', 'PENDING', 'RUNNING', 'COMPENSATING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Shows the workflows; returns the view's cleanup. */
export function show(container, ctx) {
  let status = '';
  let opened = null; // {store, id} whose steps are shown
  const stores = h('div', {id: 'workflow-stores'});
  const list = h('div', {id: 'workflows'});
  const detail = h('div', {id: 'workflow-detail'});
  const result = h('p', {class: 'notice', id: 'workflow-result', attrs: {role: 'status'}});
  result.hidden = true;
  const filter = h('select', {attrs: {'aria-label': 'status'}, on: {change: () => {
    status = filter.value;
    refresh().catch(ctx.showError);
  }}}, STATUSES.map((s) => h('option', {attrs: {value: s}, text: s || 'every status'})));

  replace(container, h('div', {class: 'heading'}, h('h1', {text: 'Workflows'}), filter), result,
      section('Stores', 'stores-card', stores), section('Workflows', 'workflows-card', list), detail);

  async function act(w, action) {
    try {
      const answer = await api.post('/api/v1/workflows/' + api.seg(w.store) + '/' + api.seg(w.id) + '/' + action, {});
      replace(result, w.id + ': ' + answer.status);
      result.hidden = false;
      await refresh();
    } catch (e) {
      ctx.showError(e);
    }
  }

  async function showSteps(w) {
    opened = {store: w.store, id: w.id};
    const full = await api.get('/api/v1/workflows/' + api.seg(w.store) + '/' + api.seg(w.id));
    replace(detail, section('Steps of ' + full.id, 'steps-card', table(['#', 'Step', 'Outcome', 'Compensated'],
        (full.stepList || []).map((s) => [String(s.index), s.name, s.outcome, s.compensated ? 'yes' : '']),
        {id: 'steps-table', empty: 'no step recorded yet'})));
  }

  async function refresh() {
    const answer = await api.get('/api/v1/workflows', {status, limit: 200});
    replace(stores, table(['Store', 'Kind', 'Available'], answer.stores.map((s) => [
      s.store, s.kind, s.available ? 'yes' : h('span', {class: 'alert-text', text: 'no: ' + (s.problem || '')}),
    ]), {empty: 'the server has no workflow store'}));
    replace(list, table(['Store', 'Workflow', 'Name', 'Status', 'Steps', 'Compensated', 'Error', ''],
        answer.workflows.map((w) => [
          w.store,
          h('button', {class: 'link', text: w.id, on: {click: () => showSteps(w).catch(ctx.showError)}}),
          w.name,
          badge(w.status),
          String(w.steps),
          String(w.compensated),
          w.error || '',
          ctx.canOperate && !FINISHED.has(w.status) ? h('span', {class: 'actions'},
              h('button', {text: 'Resume', on: {click: () => act(w, 'resume')}}),
              h('button', {class: 'danger', text: 'Cancel', on: {click: () => act(w, 'cancel')}})) : '',
        ]), {id: 'workflows-table', empty: 'no workflow' + (status ? ' with status ' + status : '')}));
    if (opened) {
      const still = answer.workflows.find((w) => w.store === opened.store && w.id === opened.id);
      if (still) await showSteps(still);
    }
  }

  return poll(refresh, 3000, ctx.showError);
}
