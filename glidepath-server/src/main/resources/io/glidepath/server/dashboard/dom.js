// Building the page from data: text always goes in as text (never as HTML), so a release file's
// names and messages cannot inject markup.

/** An element: h('div', {class: 'x', dataset: {k: 'v'}, onclick: fn}, 'text', child, ...). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function percent(rate, digits = 2) {
  return rate === null || rate === undefined ? '–' : (rate * 100).toFixed(digits) + '%';
}

export function weight(basisPoints) {
  const p = basisPoints / 100;
  return (Number.isInteger(p) ? p.toFixed(0) : p.toFixed(1)) + '%';
}

export function millis(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms >= 1000 ? (ms / 1000).toFixed(2) + ' s' : ms >= 10 ? ms.toFixed(0) + ' ms' : ms.toFixed(1) + ' ms';
}

export function perSecond(r) {
  return r === null || r === undefined ? '–' : (r >= 100 ? r.toFixed(0) : r.toFixed(1)) + '/s';
}

export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return s + 's';
  const m = Math.floor(s / 60);
  return m < 60 ? m + 'm ' + (s % 60) + 's' : Math.floor(m / 60) + 'h ' + (m % 60) + 'm';
}

export function clock(iso) {
  const d = new Date(iso);
  return d.toLocaleString(undefined, {month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit'});
}

/** A state or phase as a coloured badge; the class names the family (ok, bad, busy, idle). */
export function badge(text) {
  const family = {
    PROMOTED: 'ok', DONE: 'ok', UNCHANGED: 'ok', PASS: 'ok',
    ROLLED_BACK: 'bad', ROLLING_BACK: 'bad', FAILED: 'bad', FAIL: 'bad', CANCELLED: 'idle', STOPPED: 'bad',
    RUNNING: 'busy', SHIFTING: 'busy', STARTING: 'busy', READY: 'busy', SMOKE_TESTED: 'busy',
    QUEUED: 'idle', PENDING: 'idle', INCONCLUSIVE: 'idle',
  }[text] || 'idle';
  return h('span', {class: 'badge ' + family, dataset: {value: text}}, text.replaceAll('_', ' ').toLowerCase());
}
