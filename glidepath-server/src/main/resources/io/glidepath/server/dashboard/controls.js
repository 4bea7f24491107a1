// Promote, approve and abort for a release: shown only to deployer and admin tokens (the API enforces the
// roles anyway, and refuses an approval by the release's own submitter). Abort asks once more in the page
// before it is sent; Approve asks for an optional reason, journaled with the approval.

import {api} from './api.js';
import {h, fill} from './dom.js';

/**
 * The buttons for release `id`; `canPromote`: running (a queued release can only be aborted); `canApprove`:
 * it waits for someone else's approval (a policy's approval rule).
 */
export function releaseControls(id, {canPromote = true, canApprove = false} = {}) {
  const status = h('span', {class: 'control-status', role: 'status'});
  const approve = h('button', {type: 'button', class: 'approve', title: 'Approves the release (a policy makes it wait for someone other than its submitter)',
    onclick: () => askReason()}, 'Approve');
  const promote = h('button', {type: 'button', class: 'promote', title: 'Lets a {pause: manual} step, or a fleet ring at its manual gate, go on', onclick: () => send('promote')}, 'Promote');
  const abort = h('button', {type: 'button', class: 'abort danger', onclick: () => ask()}, 'Abort');
  const box = h('div', {class: 'controls', dataset: {release: id}}, canApprove ? approve : null, canPromote ? promote : null, abort, status);

  function askReason() {
    const reason = h('input', {type: 'text', class: 'approve-reason', maxlength: '500', placeholder: 'reason (optional)', 'aria-label': 'reason for the approval'});
    const yes = h('button', {type: 'button', class: 'confirm-approve', onclick: () => send('approve', reason.value.trim())}, 'Approve ' + id);
    const no = h('button', {type: 'button', class: 'cancel-approve', onclick: () => fill(status)}, 'Not now');
    fill(status, reason, ' ', yes, ' ', no);
    reason.focus();
  }

  function ask() {
    const yes = h('button', {type: 'button', class: 'confirm-abort danger', onclick: () => send('abort')}, 'Yes, roll it back');
    const no = h('button', {type: 'button', class: 'cancel-abort', onclick: () => fill(status)}, 'Keep it');
    fill(status, 'Abort release ' + id + ' and roll every service back? ', yes, ' ', no);
  }

  const sending = {abort: 'aborting…', promote: 'promoting…', approve: 'approving…'};
  const sent = {abort: 'abort sent: the release rolls back', promote: 'promote sent', approve: 'approved: the release goes on'};

  async function send(action, reason) {
    fill(status, sending[action]);
    try {
      await api('/v1/releases/' + encodeURIComponent(id) + '/' + action, {method: 'POST', body: reason ? {reason} : undefined});
      if (action === 'approve') approve.remove();
      fill(status, sent[action]);
    } catch (e) {
      fill(status, h('span', {class: 'error'}, e.message));
    }
  }

  return {
    el: box,
    /** The release ended: no more buttons. */
    finished() {
      approve.remove();
      promote.remove();
      abort.remove();
    },
  };
}
