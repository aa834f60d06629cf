// The dashboard: a single page whose views are chosen by the URL's fragment (#/, #/incidents/ID, #/workflows, ...).
import * as api from './api.js';
import {h, replace} from './dom.js';
import * as login from './views/login.js';
import * as overview from './views/overview.js';
import * as incident from './views/incident.js';
import * as workflows from './views/workflows.js';
import * as checkpoints from './views/checkpoints.js';
import * as faultTrees from './views/faulttrees.js';

const NAV = [
  ['/', 'Overview'],
  ['/workflows', 'Workflows'],
  ['/checkpoints', 'Checkpoints'],
  ['/fault-trees', 'Fault trees'],
];

const view = document.getElementById('view');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const banner = document.getElementById('banner');
let me = null;
let dispose = null;

/** The route of the fragment: its path segments (decoded). */
function route() {
  const path = (location.hash || '#/').replace(/^#/, '') || '/';
  return path.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
}

/** Shows a problem above the view (null clears it). */
function showError(error) {
  if (!error) {
    banner.hidden = true;
    return;
  }
  replace(banner, error.message || String(error));
  banner.hidden = false;
}

function renderChrome(segments) {
  const current = '/' + (segments[0] || '');
  replace(nav, NAV.map(([path, label]) => h('a', {
    attrs: {href: '#' + path, 'aria-current': current === path ? 'page' : null},
    text: label,
  })));
  nav.hidden = !me;
  if (me) {
    replace(who, h('span', {class: 'user', text: me.user + ' (' + me.role + ')'}),
        h('button', {id: 'logout', class: 'link', text: 'Log out', on: {click: signOut}}));
  } else {
    replace(who);
  }
}

async function signOut() {
  try {
    await api.logout();
  } catch (e) {
    // The session is gone either way.
  }
  me = null;
  location.hash = '#/login';
}

async function render() {
  if (dispose) {
    dispose();
    dispose = null;
  }
  showError(null);
  const segments = route();
  const page = segments[0] || '';
  if (!me && page !== 'login' && page !== 'setup') {
    location.hash = '#/login';
    return;
  }
  if (me && (page === 'login' || page === 'setup')) {
    location.hash = '#/';
    return;
  }
  renderChrome(segments);
  const ctx = {
    me,
    showError,
    canOperate: me && (me.role === 'admin' || me.role === 'operator'),
    loggedIn: (session) => {
      me = session;
      location.hash = '#/';
    },
  };
  replace(view);
  try {
    switch (page) {
      case 'login': dispose = login.show(view, null, ctx); break;
      case 'setup': dispose = login.show(view, segments[1] || '', ctx); break;
      case '': dispose = overview.show(view, ctx); break;
      case 'incidents': dispose = incident.show(view, segments[1], ctx); break;
      case 'workflows': dispose = workflows.show(view, ctx); break;
      case 'checkpoints': dispose = checkpoints.show(view, ctx); break;
      case 'fault-trees': dispose = faultTrees.show(view, segments[1], ctx); break;
      default:
        replace(view, h('section', {class: 'card'}, h('h2', {text: 'Not found'}),
            h('p', {text: 'There is no page ' + location.hash + '.'})));
    }
  } catch (e) {
    showError(e);
  }
}

async function boot() {
  api.whenUnauthenticated(() => {
    if (me) {
      me = null;
      location.hash = '#/login';
    }
  });
  try {
    me = await api.session();
  } catch (e) {
    showError(e);
  }
  window.addEventListener('hashchange', render);
  render();
}

boot();
