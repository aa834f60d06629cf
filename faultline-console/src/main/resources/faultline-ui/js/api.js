// The console's HTTP API (docs/api.md), as the dashboard uses it: the cookie session set by login, with the CSRF token
// on every request that changes something. The session token itself never reaches this script (the cookie is HttpOnly).

let csrfToken = null;
let onUnauthenticated = () => {};

/** An error answer of the API: its HTTP status, its stable code and its message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Sets what happens when the API answers 401 (the session ended): the app shows the login page. */
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? path + '?' + text : path;
}

/** Calls the API; resolves to the parsed JSON answer, or rejects with an ApiError. */
export async function call(method, path, options) {
  const o = options || {};
  const headers = {'Accept': 'application/json'};
  let body;
  if (o.xml !== undefined) {
    headers['Content-Type'] = 'application/xml';
    body = o.xml;
  } else if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(withQuery(path, o.query), {method, headers, body, credentials: 'same-origin', cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, 'unreachable', 'the console server does not answer (' + e.message + ')');
  }
  let json = null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('application/json')) {
    try {
      json = await response.json();
    } catch (e) {
      json = null;
    }
  }
  if (response.status === 401 && !o.quietOn401) {
    csrfToken = null;
    onUnauthenticated();
  }
  if (!response.ok) {
    throw new ApiError(response.status, json && json.error ? json.error : 'http-' + response.status,
        json && json.message ? json.message : 'the server answered ' + response.status);
  }
  return json;
}

/** GET path?query. */
export const get = (path, query) => call('GET', path, {query});
/** POST a JSON body. */
export const post = (path, body) => call('POST', path, {body: body === undefined ? {} : body});

/** The session now, or null when not logged in; keeps its CSRF token for later requests. */
export async function session() {
  try {
    const s = await call('GET', '/api/v1/session', {quietOn401: true});
    csrfToken = s.csrfToken || null;
    return s;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

/** Logs in; resolves to the session. */
export async function login(user, password) {
  const s = await call('POST', '/api/v1/login', {body: {user, password}, quietOn401: true});
  csrfToken = s.csrfToken || null;
  return s;
}

/** Completes the first start: sets the admin's password with the one-time setup token. */
export function setup(token, password) {
  return call('POST', '/api/v1/setup', {body: {token, password}, quietOn401: true});
}

/** Ends the session. */
export async function logout() {
  try {
    await call('POST', '/api/v1/logout', {body: {}, quietOn401: true});
  } finally {
    csrfToken = null;
  }
}

/** Encodes one path segment. */
export const seg = (s) => encodeURIComponent(s);
