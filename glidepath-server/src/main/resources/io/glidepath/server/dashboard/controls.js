// Promote and abort for a release: shown only to deployer and admin tokens (the API enforces the
// roles anyway). Abort asks once more in the page before it is sent.

import {api} from './api.js';
import {h, fill} from './dom.js';

/** The buttons for release `id`; `canPromote`: running (a queued release can only be aborted). */
export function releaseControls(id, {canPromote = true} = {}) {
  const status = h('span', {class: 'control-status', role: 'status'});
  const promote = h('button', {type: 'button', class: 'promote', title: 'Lets a {pause: manual} step, or a fleet ring at its manual gate, go on', onclick: () => send('promote')}, 'Promote');
  const abort = h('button', {type: 'button', class: 'abort danger', onclick: () => ask()}, 'Abort');
  const box = h('div', {class: 'controls', dataset: {release: id}}, canPromote ? promote : null, abort, status);

  function ask() {
    const yes = h('button', {type: 'button', class: 'confirm-abort danger', onclick: () => send('abort')}, 'Yes, roll it back');
    const no = h('button', {type: 'button', class: 'cancel-abort', onclick: () => fill(status)}, 'Keep it');
    fill(status, 'Abort release ' + id + ' and roll every service back? ', yes, ' ', no);
  }

  async function send(action) {
    fill(status, action === 'abort' ? 'aborting…' : 'promoting…');
    try {
      await api('/v1/releases/' + encodeURIComponent(id) + '/' + action, {method: 'POST'});
      fill(status, action === 'abort' ? 'abort sent: the release rolls back' : 'promote sent');
    } catch (e) {
      fill(status, h('span', {class: 'error'}, e.message));
    }
  }

  return {
    el: box,
    /** The release ended: no more buttons. */
    finished() {
      promote.remove();
      abort.remove();
    },
  };
}
