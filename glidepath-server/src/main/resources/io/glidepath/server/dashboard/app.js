// The dashboard's entry: signing in with a token (typed, or given once in the URL fragment
// #token=..., which browsers never send to the server), the caller's role, and the views:
// #/live (default), #/history, #/releases/ID, #/releases/ID/report.

import {api, token, whenUnauthorized} from './api.js';
import {showLive} from './live.js';
import {showHistory, showRelease} from './history.js';
import {showReport} from './report.js';
import {fill} from './dom.js';

const $ = (id) => document.getElementById(id);
let stopView = () => {};
let session = null;

function takeTokenFromFragment() {
  const m = location.hash.match(/^#token=([^&]+)/);
  if (!m) return;
  token.set(decodeURIComponent(m[1]));
  // out of the address bar and the tab's history at once
  history.replaceState(null, '', location.pathname + '#/live');
}

function showLogin(message) {
  stopView();
  stopView = () => {};
  session = null;
  $('nav').hidden = true;
  $('who').hidden = true;
  $('view').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('token').focus();
}

async function signIn() {
  let who;
  try {
    who = await api('/v1/whoami');
  } catch (e) {
    token.clear();
    showLogin(e.status === 401 ? 'The server refused this token (missing, wrong or revoked).' : 'Could not reach the server: ' + e.message);
    return;
  }
  session = {name: who.token, role: who.role, canDeploy: who.role === 'deployer' || who.role === 'admin'};
  $('who-name').textContent = who.token;
  $('who-role').textContent = who.role;
  $('who').dataset.role = who.role;
  $('login').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('view').hidden = false;
  route();
}

function route() {
  if (!session) return;
  stopView();
  const view = $('view');
  const hash = location.hash || '#/live';
  const report = hash.match(/^#\/releases\/([^/]+)\/report$/);
  const release = report ? report : hash.match(/^#\/releases\/(.+)$/);
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('current', hash.startsWith(a.getAttribute('href'))
    || (release !== null && a.id === 'nav-history')));
  fill(view);
  if (report) stopView = showReport(view, decodeURIComponent(report[1]));
  else if (release) stopView = showRelease(view, decodeURIComponent(release[1]), session);
  else if (hash.startsWith('#/history')) stopView = showHistory(view);
  else stopView = showLive(view, session);
}

whenUnauthorized((message) => {
  token.clear();
  showLogin(message);
});

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = $('token');
  const t = input.value.trim();
  input.value = ''; // the token lives in sessionStorage only, not in the page
  if (!t) return;
  token.set(t);
  signIn();
});

$('logout').addEventListener('click', () => {
  token.clear();
  showLogin('Signed out.');
});

window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#token=')) {
    takeTokenFromFragment();
    signIn();
  } else {
    route();
  }
});

takeTokenFromFragment();
if (token.get()) signIn();
else showLogin();
