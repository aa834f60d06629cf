// Login, and the first start: the admin's password set with the one-time setup token the server printed.
import * as api from '../api.js';
import {h, replace} from '../dom.js';

function field(label, name, type, value, extra) {
  return h('label', {class: 'field'}, h('span', {text: label}),
      h('input', {attrs: Object.assign({name, type, value: value || null, required: true}, extra || {})}));
}

/**
 * Shows the login form, and the setup form when a setup token is given (the demo's URL carries it in the fragment,
 * which browsers never send to a server). Returns the view's cleanup.
 */
export function show(container, setupToken, ctx) {
  const message = h('p', {id: 'login-message', class: 'alert', attrs: {role: 'alert'}});
  message.hidden = true;
  const say = (text, good) => {
    replace(message, text);
    message.className = good ? 'notice' : 'alert';
    message.hidden = !text;
  };

  const loginForm = h('form', {id: 'login-form', class: 'stack'},
      field('User', 'user', 'text', setupToken !== null ? 'admin' : '', {autocomplete: 'username'}),
      field('Password', 'password', 'password', '', {autocomplete: 'current-password'}),
      h('button', {attrs: {type: 'submit'}, text: 'Log in'}));
  loginForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(loginForm);
    say('');
    try {
      const session = await api.login(String(data.get('user')), String(data.get('password')));
      ctx.loggedIn(session);
    } catch (e) {
      say(e.message);
    }
  });

  const setupForm = h('form', {id: 'setup-form', class: 'stack'},
      h('p', {text: 'First start: the admin has no password yet. Paste the one-time setup token the server printed'
          + ' and choose the admin\'s password (at least 12 characters).'}),
      field('Setup token', 'token', 'text', setupToken || '', {autocomplete: 'off', spellcheck: 'false'}),
      field('New password', 'password', 'password', '', {autocomplete: 'new-password', minlength: 12}),
      field('Repeat it', 'repeat', 'password', '', {autocomplete: 'new-password', minlength: 12}),
      h('button', {attrs: {type: 'submit'}, text: 'Set password and log in'}));
  setupForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(setupForm);
    const password = String(data.get('password'));
    if (password !== String(data.get('repeat'))) {
      say('The two passwords differ.');
      return;
    }
    say('');
    try {
      await api.setup(String(data.get('token')).trim(), password);
      // The token is spent: take it out of the address bar and the history entry.
      history.replaceState(null, '', location.pathname + '#/login');
      const session = await api.login('admin', password);
      ctx.loggedIn(session);
    } catch (e) {
      say(e.status === 410 ? 'Setup was already done: log in with the admin\'s password.' : e.message);
    }
  });

  const setupPanel = h('details', {class: 'setup', attrs: {open: setupToken !== null ? true : null}},
      h('summary', {text: 'First start? Set the admin password with the setup token'}), setupForm);

  replace(container, h('section', {class: 'card login'},
      h('h1', {text: 'Faultline console'}),
      h('p', {class: 'muted', text: 'Detect, locate, recover, tolerate: what failed, where it began, what brought it'
          + ' back and how long it took.'}),
      message,
      setupToken !== null ? [setupPanel, h('h2', {text: 'Log in'}), loginForm] : [loginForm, setupPanel]));
  const first = container.querySelector(setupToken ? 'input[name=password]' : 'input[name=user]');
  if (first) first.focus();
  return () => {};
}
