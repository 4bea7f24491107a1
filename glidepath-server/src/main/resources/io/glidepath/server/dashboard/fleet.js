// A fleet's ring in the live view: one box per ring instead of one row per customer. A customer is
// a deployment named SERVICE.CUSTOMER (no service name holds a dot); the snapshot gives each one's
// wave and phase, the release's journal the ring's name and state (gate, bake) and each failed
// customer with its reason.

import {h, fill, duration} from './dom.js';

/** The fleet a service belongs to, or null for a service of its own. */
export function fleetOf(name) {
  const dot = name.indexOf('.');
  return dot < 0 ? null : name.slice(0, dot);
}

const COUNTS = [
  ['waiting', 'waiting'], ['deploying', 'deploying'], ['done', 'done'], ['failed', 'failed'], ['rolledBack', 'rolled back'],
];

/** How a customer counts: its own failure first (it is back on its previous version), then its phase. */
export function countOf(phase, failed) {
  if (failed) return 'failed';
  if (phase === 'PENDING') return 'waiting';
  if (phase === 'DONE' || phase === 'UNCHANGED') return 'done';
  if (phase === 'ROLLING_BACK' || phase === 'ROLLED_BACK') return 'rolledBack';
  return 'deploying';
}

const RING_STATE = {
  GATED: ['waits for promote', 'GATED'],
  STARTED: ['deploying', 'RUNNING'],
  BAKING: ['baking', 'RUNNING'],
  DONE: ['done', 'DONE'],
};

export class RingBox {
  /** card: {ringName(wave), waveState(wave), failure(service)} */
  constructor(fleet, wave, card) {
    this.fleet = fleet;
    this.wave = wave;
    this.card = card;
    this.phases = new Map(); // service -> phase
    this.title = h('span', {class: 'ring-name'});
    this.state = h('span', {class: 'ring-state'});
    this.countsEl = h('div', {class: 'counts'});
    this.dots = h('div', {class: 'customers', title: 'each customer, by state'});
    this.failed = h('ul', {class: 'failed'});
    this.el = h('div', {class: 'ring', dataset: {fleet, wave}},
      h('div', {class: 'ring-head'}, h('span', {class: 'name'}, fleet), this.title, this.state),
      this.countsEl, this.dots, this.failed);
  }

  setPhase(service, phase) {
    this.phases.set(service, phase);
  }

  /** Draws the counts, the ring's state and the failed customers again from what the card knows. */
  render() {
    const ring = this.card.ringName(this.wave);
    this.title.textContent = ring ? 'ring ' + ring : '';
    this.el.dataset.ring = ring || '';
    const waveState = this.card.waveState(this.wave);
    const [text, family] = RING_STATE[waveState] || ['not started', 'PENDING'];
    this.el.dataset.state = waveState || 'NOT_STARTED';
    fill(this.state, h('span', {class: 'badge ' + {GATED: 'idle', RUNNING: 'busy', DONE: 'ok', PENDING: 'idle'}[family]}, text));

    const counts = {waiting: 0, deploying: 0, done: 0, failed: 0, rolledBack: 0};
    const failures = [];
    const dots = [];
    for (const [service, phase] of this.phases) {
      const reason = this.card.failure(service);
      const c = countOf(phase, reason !== undefined);
      counts[c]++;
      const customer = service.slice(service.indexOf('.') + 1);
      dots.push(h('span', {class: 'dot', dataset: {count: c, customer}, title: customer + ': ' + (reason !== undefined ? 'failed' : phase.toLowerCase())}));
      if (reason !== undefined) failures.push([customer, reason]);
    }
    fill(this.countsEl, COUNTS.filter(([k]) => k !== 'rolledBack' || counts[k] > 0)
      .map(([k, label]) => h('span', {class: 'count', dataset: {count: k, value: counts[k]}}, h('b', {}, String(counts[k])), ' ' + label)));
    fill(this.dots, dots);
    fill(this.failed, failures.map(([customer, reason]) =>
      h('li', {dataset: {customer}}, h('span', {class: 'customer'}, customer), ' ', h('span', {class: 'reason'}, reason))));
  }
}

/**
 * One line per fleet of a release: customers done of all, failed, and the time left by estimate:
 * the median time a finished customer took (its first phase to done), times the rounds left at the
 * parallelism seen so far (the most customers deploying at once). Bakes and gates are not counted.
 */
export class FleetSummary {
  constructor() {
    this.started = new Map(); // customer's service -> ms of its first phase event
    this.finished = new Map(); // customer's service -> ms it was done
    this.parallel = new Map(); // fleet -> most customers seen deploying at once
    this.el = h('div', {class: 'fleet-summary'});
  }

  /** Takes a journal event (phase events carry the times). */
  event(e) {
    if (e.kind !== 'phase' || fleetOf(e.service || '') === null) return;
    if (!this.started.has(e.service)) this.started.set(e.service, Date.parse(e.at));
    if (e.phase === 'DONE') this.finished.set(e.service, Date.parse(e.at));
  }

  /** Draws each fleet's line from its rings' boxes and the failures known. */
  render(boxes, failure) {
    const fleets = new Map();
    for (const box of boxes) {
      const f = fleets.get(box.fleet) || {total: 0, done: 0, failed: 0, left: 0, deploying: 0};
      for (const [service, phase] of box.phases) {
        const c = countOf(phase, failure(service) !== undefined);
        f.total++;
        if (c === 'done') f.done++;
        else if (c === 'failed' || c === 'rolledBack') f.failed++;
        else f.left++;
        if (c === 'deploying') f.deploying++;
      }
      fleets.set(box.fleet, f);
    }
    const lines = [];
    for (const [fleet, f] of fleets) {
      this.parallel.set(fleet, Math.max(this.parallel.get(fleet) || 1, f.deploying));
      const took = [...this.finished].filter(([s]) => fleetOf(s) === fleet).map(([s, t]) => t - this.started.get(s)).sort((a, b) => a - b);
      let left;
      if (f.left === 0) left = 'nothing left';
      else if (took.length === 0) left = 'time left known after the first customer is done';
      else left = 'about ' + duration(took[Math.floor((took.length - 1) / 2)] * Math.ceil(f.left / this.parallel.get(fleet))) + ' left';
      lines.push(h('div', {class: 'fleet-line', dataset: {fleet, done: f.done, total: f.total, failed: f.failed}},
        h('b', {}, fleet), ': ' + f.done + ' of ' + f.total + ' customers done' + (f.failed ? ', ' + f.failed + ' failed' : '') + ' · ' + left));
    }
    fill(this.el, lines);
  }
}
