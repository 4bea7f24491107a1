// Past releases: the list (GET /v1/releases) and one release's timeline, replayed from its event
// stream (and followed live while it still runs).

import {api} from './api.js';
import {follow} from './sse.js';
import {releaseControls} from './controls.js';
import {h, fill, badge, clock, duration, percent, millis} from './dom.js';

/** The list of releases, newest first. */
export function showHistory(root) {
  const body = h('tbody');
  const note = h('p', {class: 'empty'}, 'loading…');
  fill(root, h('div', {class: 'view-head'}, h('h1', {}, 'Releases')), note,
    h('table', {class: 'history'},
      h('thead', {}, h('tr', {}, ['Release', 'Services', 'Outcome', 'Submitted by', 'Submitted', 'Took', 'Reason'].map((c) => h('th', {}, c)))),
      body));
  let stopped = false;
  api('/v1/releases?limit=100').then((r) => {
    if (stopped) return;
    note.textContent = r.releases.length === 0 ? 'No release yet.' : '';
    note.hidden = r.releases.length > 0;
    for (const rel of r.releases) {
      const took = rel.finished ? Date.parse(rel.finished) - Date.parse(rel.submitted) : null;
      body.append(h('tr', {dataset: {release: rel.id, state: rel.state}},
        h('td', {}, h('a', {href: '#/releases/' + encodeURIComponent(rel.id)}, rel.id)),
        h('td', {}, rel.services.join(', ')),
        h('td', {}, badge(rel.state)),
        h('td', {}, rel.submittedBy),
        h('td', {}, clock(rel.submitted)),
        h('td', {}, rel.finished ? duration(took) : 'running'),
        h('td', {class: 'reason'}, rel.reason || '')));
    }
  }).catch((e) => {
    note.textContent = 'Could not read the releases: ' + e.message;
  });
  return () => {
    stopped = true;
  };
}

/** One release: where it stands (each service's wave and phase) and its timeline from the journal. */
export function showRelease(root, id, session) {
  const head = h('div', {class: 'release-head'});
  const phases = h('table', {class: 'phases'});
  const timeline = h('ol', {class: 'timeline'});
  fill(root, h('p', {}, h('a', {href: '#/history'}, '← all releases')), head, phases, h('h2', {}, 'Timeline'), timeline);
  let start = null;
  let stopped = false;
  let controls = null;
  let controlsFor = null; // the state the buttons were made for: an approved release gets Promote instead of Approve

  const refresh = () => api('/v1/releases/' + encodeURIComponent(id)).then((r) => {
    if (stopped) return;
    const running = r.state === 'RUNNING' || r.state === 'QUEUED' || r.state === 'AWAITING_APPROVAL';
    if (running && session.canDeploy && controlsFor !== r.state) {
      controls = releaseControls(id, {canPromote: r.state === 'RUNNING', canApprove: r.state === 'AWAITING_APPROVAL'});
      controlsFor = r.state;
    }
    if (controls && !running) controls.finished();
    fill(head,
      h('h1', {}, 'Release ' + r.id, ' ', badge(r.state)),
      h('p', {}, h('a', {class: 'report-link', href: '#/releases/' + encodeURIComponent(r.id) + '/report'},
        running ? 'Sign-off report (so far)' : 'Sign-off report')),
      h('p', {class: 'meta'}, 'file ' + r.file + ' · submitted by ' + r.submittedBy + ' · ' + clock(r.submitted),
        r.finished ? ' · took ' + duration(Date.parse(r.finished) - Date.parse(r.submitted)) : '',
        r.queuedBehind ? ' · queued behind ' + r.queuedBehind : ''),
      r.reason ? h('p', {class: 'reason'}, r.reason) : null,
      controls ? controls.el : null);
    fill(phases, h('tr', {}, h('th', {}, 'Wave'), h('th', {}, 'Service'), h('th', {}, running ? 'Phase' : 'Ended')),
      Object.entries(r.phases).map(([name, p]) => h('tr', {dataset: {service: name}}, h('td', {}, String(p.wave)), h('td', {}, name), h('td', {}, badge(p.phase)))));
  }).catch((e) => {
    fill(head, h('h1', {}, 'Release ' + id), h('p', {class: 'error'}, e.message));
  });

  refresh();
  const stop = follow('/v1/releases/' + encodeURIComponent(id) + '/stream', {
    resume: true,
    onEvent: (ev) => {
      const e = ev.data;
      if (start === null) start = Date.parse(e.at);
      timeline.append(timelineEntry(e, start));
      if (e.kind === 'phase' || e.kind === 'finished' || e.kind === 'wave' || e.kind === 'approval') refresh();
    },
  });
  return () => {
    stopped = true;
    stop();
  };
}

function timelineEntry(e, start) {
  const offset = (Date.parse(e.at) - start) / 1000;
  const tag = e.kind === 'verdict' ? badge(e.outcome) : e.kind === 'finished' ? badge(e.outcome) : h('span', {class: 'kind'}, e.kind);
  return h('li', {class: 'ev', dataset: {kind: e.kind, seq: e.seq}},
    h('time', {datetime: e.at, title: new Date(e.at).toLocaleString()}, '+' + offset.toFixed(1) + 's'),
    h('span', {class: 'tag'}, tag),
    e.service ? h('span', {class: 'svc'}, e.service) : null,
    h('span', {class: 'msg'}, e.message),
    e.kind === 'verdict' ? h('span', {class: 'figures'},
      'stable ' + e.stableRequests + ' req, ' + percent(e.stableErrorRate) + ', p99 ' + millis(e.stableP99Millis ?? null)
      + ' · canary ' + e.canaryRequests + ' req, ' + percent(e.canaryErrorRate) + ', p99 ' + millis(e.canaryP99Millis ?? null)
      + (e.evidence != null ? ' · evidence ' + evidence(e.evidence) + ' of ' + Math.round(e.needed) : '')) : null);
}

/** A sequential judge's evidence: two decimals while small, whole numbers once it is large. */
function evidence(value) {
  return value < 10 ? value.toFixed(2) : Math.round(value).toString();
}
