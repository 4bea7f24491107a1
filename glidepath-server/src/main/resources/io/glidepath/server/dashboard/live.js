// The live view: every release in progress from GET /v1/live (a snapshot a second: waves, phases,
// the router's weights, stable vs canary figures), and each release's journal from its own event
// stream (verdicts, phase changes, rollbacks as they happen). A release that ends stays on the
// page, with how it ended, until the page is left. A fleet's customers show as one box per ring
// (fleet.js), not one row each.

import {follow} from './sse.js';
import {Chart} from './chart.js';
import {releaseControls} from './controls.js';
import {fleetOf, RingBox, FleetSummary} from './fleet.js';
import {h, fill, badge, weight, percent, millis, perSecond, clock} from './dom.js';

const KEPT_FINISHED = 5;
const LOG_LINES = 40;

/** Shows the live view in `root`; returns a function that stops it. session: {canDeploy}. */
export function showLive(root, session) {
  const conn = h('span', {class: 'conn', dataset: {state: 'connecting'}}, 'connecting…');
  const active = h('div', {class: 'releases', id: 'live-releases'});
  const empty = h('p', {class: 'empty', hidden: true}, 'No release is in progress. ', h('a', {href: '#/history'}, 'Past releases'), '.');
  const finishedList = h('div', {class: 'releases', id: 'finished-releases'});
  const finishedBox = h('section', {class: 'recent', hidden: true}, h('h2', {}, 'Ended while you watched'), finishedList);
  fill(root, h('div', {class: 'view-head'}, h('h1', {}, 'Releases in progress'), conn), empty, active, finishedBox);

  const cards = new Map();
  const finished = (card) => {
    finishedList.prepend(card.el);
    while (finishedList.children.length > KEPT_FINISHED) finishedList.lastElementChild.remove();
    finishedBox.hidden = false;
    empty.hidden = active.children.length > 0;
  };

  const stop = follow('/v1/live', {
    reconnectOnEnd: true,
    onState: (state, detail) => {
      conn.dataset.state = state;
      conn.textContent = {live: 'live', reconnecting: 'reconnecting…', refused: detail || 'refused', ended: 'ended'}[state] || state;
    },
    onEvent: (ev) => {
      if (ev.event !== 'snapshot') return;
      const snap = ev.data;
      const t = Date.parse(snap.at);
      for (const r of snap.releases) {
        let card = cards.get(r.id);
        if (!card) {
          card = new LiveCard(r, session, finished);
          cards.set(r.id, card);
          active.append(card.el);
        }
        card.update(r, t);
      }
      empty.hidden = active.children.length > 0;
    },
  });

  return () => {
    stop();
    cards.forEach((c) => c.close());
  };
}

class LiveCard {
  constructor(r, session, onFinished) {
    this.id = r.id;
    this.session = session;
    this.onFinished = onFinished;
    this.done = false;
    this.state = null;
    this.rows = new Map();
    this.waves = new Map();
    this.journalPhase = new Map(); // each service's last phase in the journal: how it ended, once the release has
    this.rings = new Map(); // 'wave/fleet' -> RingBox
    this.waveHeads = new Map(); // wave -> its h3
    this.ringNames = new Map(); // wave -> ring name, from the journal's wave events
    this.waveStates = new Map(); // wave -> STARTED | GATED | BAKING | DONE
    this.failures = new Map(); // customer's service name -> why it failed (customerFailed)
    this.fleets = new FleetSummary();
    this.stateEl = h('span', {class: 'state'});
    this.meta = h('span', {class: 'meta'});
    this.controlsBox = h('div', {class: 'controls-box'});
    this.controls = null;
    this.wavesEl = h('div', {class: 'waves'});
    this.log = h('ol', {class: 'log', reversed: true});
    this.el = h('article', {class: 'release card', dataset: {release: r.id}},
      h('header', {class: 'card-head'},
        h('h2', {}, h('a', {href: '#/releases/' + encodeURIComponent(r.id)}, r.id)), this.stateEl, this.meta, this.controlsBox),
      this.fleets.el,
      this.wavesEl,
      h('section', {class: 'events'}, h('h3', {}, 'Verdicts and events, newest first'), this.log));
    this.stopStream = follow('/v1/releases/' + encodeURIComponent(r.id) + '/stream', {resume: true, onEvent: (ev) => this.event(ev.data)});
  }

  update(r, t) {
    if (this.done) return;
    if (r.state !== this.state) {
      this.state = r.state;
      this.el.dataset.state = r.state;
      fill(this.stateEl, badge(r.state));
      this.controls = this.session.canDeploy ? releaseControls(r.id, {canPromote: r.state === 'RUNNING', canApprove: r.state === 'AWAITING_APPROVAL'}) : null;
      fill(this.controlsBox, this.controls ? this.controls.el : null);
    }
    fill(this.meta, 'by ' + r.submittedBy + ', ' + clock(r.submitted), r.queuedBehind ? ' · queued behind ' + r.queuedBehind : '');
    for (const s of r.services) {
      if (fleetOf(s.name) !== null) this.ring(s.name, s.wave).setPhase(s.name, s.phase);
      else this.row(s).update(s, t);
    }
    this.rings.forEach((box) => box.render());
    this.fleets.render(this.rings.values(), (svc) => this.failures.get(svc));
  }

  wave(number) {
    let wave = this.waves.get(number);
    if (!wave) {
      wave = h('div', {class: 'wave-services'});
      const head = h('h3', {}, 'Wave ' + number);
      const section = h('section', {class: 'wave', dataset: {wave: number}}, head, wave);
      const after = [...this.waves.keys()].filter((w) => w > number).sort((a, b) => a - b)[0];
      this.wavesEl.insertBefore(section, after === undefined ? null : this.waves.get(after).parentElement);
      this.waves.set(number, wave);
      this.waveHeads.set(number, head);
      this.nameWave(number);
    }
    return wave;
  }

  nameWave(number) {
    const head = this.waveHeads.get(number);
    if (head && this.ringNames.has(number)) head.textContent = 'Wave ' + number + ' · ring ' + this.ringNames.get(number);
  }

  row(s) {
    let row = this.rows.get(s.name);
    if (row) return row;
    const wave = this.wave(s.wave);
    row = new ServiceRow(s.name);
    this.rows.set(s.name, row);
    wave.append(row.el);
    return row;
  }

  /** The box of the ring a customer is in (its fleet in its wave); made on first sight. */
  ring(service, number) {
    const fleet = fleetOf(service);
    const key = number + '/' + fleet;
    let box = this.rings.get(key);
    if (!box) {
      box = new RingBox(fleet, number, {
        ringName: (w) => this.ringNames.get(w),
        waveState: (w) => this.waveStates.get(w),
        failure: (svc) => this.failures.get(svc),
      });
      this.rings.set(key, box);
      this.wave(number).append(box.el);
    }
    return box;
  }

  event(e) {
    this.log.prepend(logLine(e));
    while (this.log.children.length > LOG_LINES) this.log.lastElementChild.remove();
    if (e.kind === 'phase') this.journalPhase.set(e.service, e.phase);
    this.fleets.event(e);
    if (e.kind === 'wave') {
      if (e.ring) this.ringNames.set(e.wave, e.ring);
      this.waveStates.set(e.wave, e.state);
      this.nameWave(e.wave);
      this.rings.forEach((box) => box.render());
    }
    if (e.kind === 'customerFailed') {
      this.failures.set(e.service, e.reason);
      this.rings.forEach((box) => box.render());
    }
    if (e.kind === 'finished') this.finish(e.outcome);
    if (this.rings.size > 0) this.fleets.render(this.rings.values(), (svc) => this.failures.get(svc));
  }

  finish(outcome) {
    if (this.done) return;
    this.done = true;
    this.el.dataset.state = outcome;
    fill(this.stateEl, badge(outcome));
    // the last snapshot came a moment before the end: each service as the journal says it ended
    for (const [service, phase] of this.journalPhase) {
      if (this.rows.has(service)) this.rows.get(service).setPhase(phase);
      else if (fleetOf(service) !== null) [...this.rings.values()].filter((b) => b.phases.has(service)).forEach((b) => b.setPhase(service, phase));
    }
    this.rings.forEach((box) => box.render());
    if (this.controls) this.controls.finished();
    this.onFinished(this);
  }

  close() {
    this.stopStream();
  }
}

class ServiceRow {
  constructor(name) {
    this.version = h('span', {class: 'version'});
    this.phase = h('span', {class: 'phase'});
    this.stableFill = h('span', {class: 'stable'});
    this.canaryFill = h('span', {class: 'canary'});
    this.weightValue = h('span', {class: 'weight-value'});
    this.route = h('span', {class: 'route'});
    this.rates = h('div', {class: 'rates'});
    this.errors = new Chart('Error rate', {format: (v) => percent(v, v !== null && v < 0.1 ? 2 : 1), floor: 0.01, kind: 'errors'});
    this.p99 = new Chart('p99 latency', {format: millis, floor: 10, kind: 'p99'});
    this.el = h('div', {class: 'service', dataset: {service: name}},
      h('div', {class: 'service-head'}, h('span', {class: 'name'}, name), this.version, this.phase),
      h('div', {class: 'traffic'}, h('div', {class: 'weight-bar', title: 'stable | canary'}, this.stableFill, this.canaryFill),
        h('span', {class: 'weight'}, 'canary ', this.weightValue), this.route),
      h('div', {class: 'charts'}, this.errors.el, this.p99.el),
      this.rates);
  }

  update(s, t) {
    this.version.textContent = s.version || '';
    this.setPhase(s.phase);
    const w = s.route ? s.route.canaryWeight : 0;
    this.el.dataset.weight = w;
    this.weightValue.textContent = weight(w);
    this.canaryFill.style.width = w / 100 + '%';
    this.stableFill.style.width = (s.route ? 100 - w / 100 : 0) + '%';
    this.route.textContent = !s.route ? 'no route yet'
      : 'stable ' + (s.route.stable || '–') + (s.route.canary ? ' · canary ' + s.route.canary : '');
    if (s.route) {
      this.errors.push(t, s.stable ? s.stable.errorRate : null, s.canary ? s.canary.errorRate : null);
      this.p99.push(t, s.stable ? s.stable.p99Millis : null, s.canary ? s.canary.p99Millis : null);
    }
    fill(this.rates,
      s.stable ? h('span', {class: 'stable'}, 'stable ' + perSecond(s.stable.requestsPerSecond)) : null,
      s.canary ? h('span', {class: 'canary'}, 'canary ' + perSecond(s.canary.requestsPerSecond)) : null);
  }

  setPhase(phase) {
    if (this.el.dataset.phase === phase) return;
    this.el.dataset.phase = phase;
    fill(this.phase, badge(phase));
  }
}

/** One journal event as a line: time, kind (a verdict's outcome as a badge), service, sentence. */
export function logLine(e) {
  const time = new Date(e.at).toLocaleTimeString(undefined, {hour12: false});
  const tag = e.kind === 'verdict' ? badge(e.outcome) : h('span', {class: 'kind'}, e.kind);
  return h('li', {class: 'ev', dataset: {kind: e.kind, seq: e.seq}},
    h('time', {datetime: e.at}, time), h('span', {class: 'tag'}, tag), e.service ? h('span', {class: 'svc'}, e.service) : null, h('span', {class: 'msg'}, e.message));
}
