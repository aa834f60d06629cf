// Checkpoints of the state stores the server knows, and (operators) a rollback in two steps: the plan, then the
// confirmation, which must name the store.
import * as api from '../api.js';
import {fmtNumber, fmtTime, h, replace, section, table, when} from '../dom.js';
import {poll} from '../poll.js';

/** Shows the checkpoints; returns the view's cleanup. */
export function show(container, ctx) {
  const stores = h('div', {id: 'checkpoint-stores'});
  const dialog = h('div', {id: 'rollback'});
  replace(container, h('div', {class: 'heading'}, h('h1', {text: 'Checkpoints'})), dialog, stores);
  let planning = false;

  async function plan(store, checkpoint) {
    planning = true;
    try {
      const answer = await api.post('/api/v1/checkpoints/' + api.seg(store) + '/rollback', {target: checkpoint.id});
      const p = answer.plan || {};
      const typed = h('input', {attrs: {name: 'confirm-store', autocomplete: 'off', 'aria-label': 'store name'}});
      const confirm = h('button', {class: 'danger', id: 'confirm-rollback', text: 'Roll back', attrs: {disabled: true}});
      typed.addEventListener('input', () => {
        confirm.disabled = typed.value !== store;
      });
      confirm.addEventListener('click', async () => {
        try {
          const done = await api.post('/api/v1/checkpoints/' + api.seg(store) + '/rollback',
              {target: checkpoint.id, confirm: answer.confirm});
          const r = done.result || {};
          replace(dialog, h('p', {class: 'notice', id: 'rollback-result', text: 'Rolled ' + store + ' back to '
              + r.target + ': ' + r.discarded + ' records discarded, ' + r.checkpointsDeleted
              + ' later checkpoints deleted.'}));
        } catch (e) {
          ctx.showError(e);
          replace(dialog);
        } finally {
          planning = false;
          refresh().catch(ctx.showError);
        }
      });
      replace(dialog, section('Roll back ' + store + '?', 'rollback-card',
          h('p', {text: 'Back to checkpoint ' + p.checkpoint + ' (sequence ' + p.sequence + '). The journal after it is'
              + ' cut: ' + p.discards + ' of its records, up to sequence ' + p.lastSequence + ', are discarded for good.'}),
          h('label', {class: 'field'}, h('span', {text: 'Type the store\'s name, ' + store + ', to confirm'}), typed),
          h('p', {class: 'actions'}, confirm, h('button', {text: 'Keep it', on: {click: () => {
            planning = false;
            replace(dialog);
          }}})),
          h('p', {class: 'muted', text: 'This confirmation expires at ' + fmtTime(answer.expiresAt) + '.'})));
    } catch (e) {
      planning = false;
      ctx.showError(e);
    }
  }

  async function refresh() {
    if (planning) return;
    const answer = await api.get('/api/v1/checkpoints');
    if (!answer.stores.length) {
      replace(stores, section('No state store', null, h('p', {class: 'muted', text: 'The server has no checkpoint store.'})));
      return;
    }
    replace(stores, answer.stores.map((s) => section(s.store + ' (' + s.kind + ')', 'store-' + s.store,
        s.available ? table(['Checkpoint', 'Sequence', 'Time', 'Label', 'Size', ''],
            (s.checkpoints || []).slice().reverse().map((c) => [
              h('code', {text: c.id}), fmtNumber(c.sequence), when(c.time), c.label || '', fmtNumber(c.bytes) + ' B',
              ctx.canOperate ? h('button', {text: 'Roll back…', on: {click: () => plan(s.store, c)}}) : '',
            ]), {empty: 'no checkpoint'}) : h('p', {class: 'alert-text', text: 'Not available: ' + (s.problem || '')}))));
  }

  return poll(refresh, 3000, ctx.showError);
}
