// A small line chart in inline SVG: stable and canary over the last minute, one point a second.
// The y axis starts at 0 and ends at a round number above the highest point (never below `floor`,
// so a quiet service does not magnify noise).

import {h} from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 300;
const H = 80;
export const SPAN_MS = 60_000;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function niceCeiling(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export class Chart {
  /** title: shown above; format: a value as text; floor: the least top of the y axis. */
  constructor(title, {format, floor, kind}) {
    this.format = format;
    this.floor = floor;
    this.points = [];
    this.stableLine = svg('path', {class: 'line stable'});
    this.canaryLine = svg('path', {class: 'line canary'});
    const grid = [0.5, 1].map((f) => svg('line', {class: 'grid', x1: 0, x2: W, y1: H * (1 - f) + 1, y2: H * (1 - f) + 1}));
    this.plot = svg('svg', {viewBox: `0 0 ${W} ${H + 2}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title});
    this.plot.append(...grid, this.stableLine, this.canaryLine);
    this.top = h('span', {class: 'axis'});
    this.stableNow = h('span', {class: 'now stable'});
    this.canaryNow = h('span', {class: 'now canary'});
    this.el = h('figure', {class: 'chart', dataset: {chart: kind, stablePoints: 0, canaryPoints: 0}},
      h('figcaption', {}, h('span', {class: 'title'}, title), this.stableNow, this.canaryNow),
      h('div', {class: 'plot'}, this.top, this.plot));
  }

  /** Adds the values at time t (ms); null: that track had nothing to show then. */
  push(t, stable, canary) {
    this.points.push({t, stable, canary});
    this.points = this.points.filter((p) => p.t > t - SPAN_MS);
    this.draw(t);
  }

  draw(now) {
    const values = this.points.flatMap((p) => [p.stable, p.canary]).filter((v) => v !== null && v !== undefined);
    const top = niceCeiling(Math.max(this.floor, Math.max(0, ...values) * 1.05));
    const x = (t) => ((t - (now - SPAN_MS)) / SPAN_MS) * W;
    const y = (v) => H - (v / top) * H + 1;
    const path = (key) => {
      let d = '';
      let pen = false;
      for (const p of this.points) {
        const v = p[key];
        if (v === null || v === undefined) {
          pen = false;
          continue;
        }
        d += (pen ? 'L' : 'M') + x(p.t).toFixed(1) + ' ' + y(v).toFixed(1);
        pen = true;
      }
      return d;
    };
    this.stableLine.setAttribute('d', path('stable'));
    this.canaryLine.setAttribute('d', path('canary'));
    this.top.textContent = this.format(top);
    const last = this.points[this.points.length - 1] || {};
    this.stableNow.textContent = 'stable ' + this.format(last.stable ?? null);
    this.canaryNow.textContent = 'canary ' + this.format(last.canary ?? null);
    this.el.dataset.stablePoints = this.points.filter((p) => p.stable !== null && p.stable !== undefined).length;
    this.el.dataset.canaryPoints = this.points.filter((p) => p.canary !== null && p.canary !== undefined).length;
  }
}
