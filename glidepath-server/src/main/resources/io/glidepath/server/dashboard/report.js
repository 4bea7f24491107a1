// A release's sign-off report (#/releases/ID/report): the server's JSON report
// (GET /v1/releases/ID/report, docs/report.md) laid out section by section as the Markdown has it,
// and the Markdown itself to download or copy. Every value goes into the page as text.

import {api, answer, authHeaders} from './api.js';
import {h, fill, badge, weight} from './dom.js';

/** The report of release `id`. */
export function showReport(root, id) {
  const back = h('p', {}, h('a', {href: '#/releases/' + encodeURIComponent(id)}, '← release ' + id));
  const body = h('div', {class: 'report'}, h('p', {class: 'empty'}, 'loading…'));
  fill(root, back, body);
  let stopped = false;
  api('/v1/releases/' + encodeURIComponent(id) + '/report').then((r) => {
    if (!stopped) fill(body, ...render(r, id));
  }).catch((e) => {
    if (!stopped) fill(body, h('h1', {}, 'Sign-off report: release ' + id), h('p', {class: 'error'}, e.message));
  });
  return () => {
    stopped = true;
  };
}

function render(r, id) {
  const rel = r.release;
  const t0 = Date.parse(rel.submitted);
  const at = (iso) => (iso ? offset(t0, iso) : '');
  const out = [
    h('div', {class: 'view-head'}, h('h1', {}, 'Sign-off report: release ' + rel.id), badge(rel.state)),
    rel.inProgress ? h('p', {class: 'in-progress'}, 'In progress (' + words(rel.state) + '): this report shows the journal so far; '
      + 'open it again once the release has ended.') : null,
    facts([
      ['Outcome', rel.inProgress ? 'in progress, ' + words(rel.state) : words(rel.state) + (r.outcome.cause ? ' (cause: ' + words(r.outcome.cause) + ')' : '')],
      ['Release file', rel.file],
      ['Submitted', utc(rel.submitted) + ' by ' + rel.submittedBy],
      rel.finished ? ['Finished', utc(rel.finished) + ', ' + secs(rel.seconds) + ' after submission'] : null,
      rel.reason ? ['Reason', rel.reason] : null,
    ]),
    markdownButton(id),
  ];

  out.push(h('h2', {}, 'Services'), table(['Wave', 'Service', 'Version', 'Strategy', 'Instances', 'Canary steps', rel.inProgress ? 'Phase' : 'Ended'],
    r.services.filter((s) => !s.fleet).map((s) => [String(s.wave), s.name, s.version || '', s.strategy || '', String(s.instances),
      s.steps == null ? '' : s.stepsDone + ' of ' + s.steps, badge(s.phase)])
      .concat(r.fleets.map((f) => ['', f.service + ' (fleet of ' + f.customers.length + ' customers)', f.version || '', '', '', '',
        f.done + ' promoted, ' + f.failed + ' failed, ' + f.notStarted + ' not started']))));

  const rb = r.outcome.rollback;
  if (rb) {
    out.push(h('h2', {}, 'Rollback'), facts([
      rb.cause ? ['Cause', words(rb.cause)] : null,
      rb.service ? ['Began with', rb.service] : null,
      ['Why', rb.reason],
      ['Decided', at(rb.decided) + ' (' + utc(rb.decided) + ')'],
      ['Traffic back on the previous versions', rb.trafficBackMillis == null ? 'not journaled' : rb.trafficBackMillis + ' ms after the decision'],
    ]), table(['Service', 'Traffic back after', 'Journal'], rb.flips.map((f) => [f.service, f.millis + ' ms', f.message]), null, 'flips'));
  }

  const v = r.verified;
  out.push(h('h2', {}, 'What was verified'),
    h('h3', {}, 'Readiness'), table(['Service', 'Version', 'Instances', 'Ready', 'Slowest to be ready'],
      v.readiness.map((x) => [x.service, x.version || '', String(x.instances), String(x.ready), x.slowestMillis == null ? '' : x.slowestMillis + ' ms']),
      'No instance was started.', 'readiness'),
    h('h3', {}, 'Smoke tests'), table(['At', 'Service', 'Test', 'On', 'Result', 'Detail'],
      v.smoke.map((c) => [at(c.at), c.service, c.check, c.target, result(c.passed), c.message]), 'No smoke test ran.', 'smoke'),
    h('h3', {}, 'Verify checks'), table(['At', 'After wave', 'Check', 'Result', 'Detail'],
      v.verify.map((c) => [at(c.at), String(c.afterWave), c.check, result(c.passed), c.message]), 'No verify check ran.', 'verify'),
    h('h3', {}, 'Analysis verdicts'), table(['At', 'Service', 'Verdict', 'Traffic', 'Canary', 'Stable', 'Evidence', 'Judge'],
      v.verdicts.map((x) => [at(x.at), x.service, badge(x.outcome), x.afterPromotion ? 'after promotion' : x.canaryWeight == null ? '' : 'canary ' + weight(x.canaryWeight),
        figures(x.canaryErrorRate, x.canaryRequests, x.canaryP99Millis), figures(x.stableErrorRate, x.stableRequests, x.stableP99Millis), evidence(x), x.message]),
      'No analysis verdict: no canary was judged.', 'verdicts'));
  for (const db of v.migrations) {
    out.push(h('h3', {}, 'Database ' + db.name), facts([
      db.gate ? ['Migration gate', (db.gate.passed ? 'passed: ' : 'REFUSED: ') + db.gate.report] : null,
      ['Expanded', db.expanded ? 'yes' : 'no'],
      db.contract ? ['Contract', words(db.contract)] : null,
    ]));
    if (db.gate) {
      out.push(table(['File', 'Line', 'Rule', 'Finding', 'Allowed because'], db.gate.findings.map((f) => [f.file, String(f.line), f.rule, f.detail,
        f.allowedBecause || 'not allowed']), 'The gate found nothing.'));
    }
    out.push(table(['At', 'Phase', 'Step', 'File', 'Detail'], db.steps.map((s) => [at(s.at), words(s.phase), words(s.step), s.file || '', s.message])));
  }

  out.push(h('h2', {}, 'Policy'));
  const p = r.policy;
  if (!p) {
    out.push(h('p', {}, "The server's policy asked nothing of this release: no deploy window was overridden, no approval or evidence was required."));
  } else {
    const a = p.approval;
    out.push(facts([
      ['Deploy window', p.windowOverride ? 'overridden by ' + p.windowOverride : 'none closed at submission'],
      p.approvalRules.length ? ['Approval rules', p.approvalRules.join(', ') + (p.approvalDeadline ? '; approval due by ' + utc(p.approvalDeadline) : '')] : null,
      a ? ['Approval', a.state === 'APPROVED' ? 'approved by ' + a.by + (a.reason ? ' (' + a.reason + ')' : '')
        + (a.waitedSeconds != null ? ' after ' + secs(a.waitedSeconds) + ' waiting' : '')
        : a.state === 'TIMED_OUT' ? 'timed out: no one approved it by ' + utc(a.deadline) : 'waiting until ' + utc(a.deadline)] : null,
    ]), table(['Check', 'Kind', 'What it checks', 'Result', 'Detail'], p.evidence.map((e) => [e.check, e.kind, e.describe,
      e.passed == null ? 'not run' : result(e.passed), e.detail || '']), 'No evidence was required.'));
  }

  out.push(h('h2', {}, 'Who did what'), table(['At', 'Who', 'What'],
    r.people.map((x) => [at(x.at), x.who == null ? '(not journaled; the audit log names the token)' : x.who, x.what]), null, 'people'));

  const tm = r.timing;
  out.push(h('h2', {}, 'Timing'), table(['Event', 'At', 'From submission'], [
    ['submitted', utc(tm.submitted), '+0.0s'],
    tm.started ? [tm.queuedSeconds != null ? 'started (left the queue)' : 'started', utc(tm.started), at(tm.started)] : null,
    tm.finished ? ['finished', utc(tm.finished), at(tm.finished)] : null,
  ].filter((x) => x)));
  if (tm.waves.length) {
    out.push(h('h3', {}, 'Waves'), table(['Wave', 'Ring', 'Services', 'Started', 'Done', 'Took', 'Waited at its gate'],
      tm.waves.map((w) => [String(w.wave), w.ring || '', w.services.join(', '), at(w.started), at(w.done), w.seconds == null ? '' : secs(w.seconds),
        w.gatedSeconds == null ? '' : secs(w.gatedSeconds)])));
  }
  if (tm.services.length) {
    out.push(h('h3', {}, 'Phases'), table(['Service', 'Phases (from submission)', 'Took'],
      tm.services.map((s) => [s.service, s.phases.map((x) => words(x.phase) + ' ' + at(x.at)).join(', '), s.seconds == null ? '' : secs(s.seconds)])));
  }

  for (const f of r.fleets) {
    out.push(h('h2', {}, 'Fleet ' + f.service), facts([
      ['Customers', f.customers.length + ': ' + f.done + ' promoted, ' + f.failed + ' failed, ' + f.notStarted + ' not started'],
      ['Failure budget', f.budget + ': ' + f.failed + ' of ' + f.allowed + ' allowed failed' + (f.exceeded ? ', EXCEEDED' : '')],
    ]), table(['Customer', 'Ring', rel.inProgress ? 'Phase' : 'Ended', 'Cause', 'Reason'],
      f.customers.map((c) => [c.customer, c.ring || '', badge(c.phase), c.cause ? words(c.cause) : '', c.reason || ''])));
  }
  return out;
}

/** Fetches the Markdown (with the token in the header, as every call) and offers it as a file and as text to copy. */
function markdownButton(id) {
  const status = h('span', {class: 'control-status', role: 'status'});
  const text = h('pre', {class: 'markdown', hidden: true});
  const button = h('button', {type: 'button', class: 'download-markdown', onclick: async () => {
    fill(status, 'fetching…');
    try {
      const resp = await fetch('/v1/releases/' + encodeURIComponent(id) + '/report?format=markdown',
        {headers: authHeaders({Accept: 'text/markdown'}), cache: 'no-store'});
      if (!resp.ok) await answer(resp);
      const md = await resp.text();
      fill(text, md);
      text.hidden = false;
      const a = h('a', {href: URL.createObjectURL(new Blob([md], {type: 'text/markdown'})), download: 'report-' + id + '.md'}, 'report-' + id + '.md');
      fill(status, 'Markdown below; save it as ', a);
    } catch (e) {
      fill(status, h('span', {class: 'error'}, e.message));
    }
  }}, 'Markdown');
  return h('div', {class: 'report-markdown'}, button, status, text);
}

/** A list of label: value lines (null entries left out). */
function facts(rows) {
  return h('ul', {class: 'facts'}, rows.filter((x) => x).map(([k, v]) => h('li', {}, h('b', {}, k + ': '), v)));
}

/** A table (`name` in its data-table); a cell is text or an element. With no row, `empty` in words (or nothing). */
function table(head, rows, empty, name) {
  if (!rows.length) return empty ? h('p', {class: 'empty', dataset: {table: name || ''}}, empty) : null;
  return h('table', {class: 'report-table', dataset: {table: name || ''}}, h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, row.map((c) => h('td', {}, c))))));
}

function result(passed) {
  return passed ? badge('PASS') : badge('FAIL');
}

function figures(rate, requests, p99) {
  return (rate * 100).toFixed(2) + '% errors over ' + requests + ' requests, p99 ' + (p99 == null ? 'n/a' : Math.round(p99) + ' ms');
}

function evidence(x) {
  const parts = [];
  if (x.evidence != null && x.needed != null) parts.push('evidence ' + x.evidence.toFixed(2) + ' of ' + Math.round(x.needed) + ' needed to roll back');
  for (const m of x.metrics) {
    // a ratio may come without an interval (revealed clients: the two tracks' rates among them, observed)
    const interval = m.low != null && m.high != null ? ' (' + m.low.toFixed(2) + '-' + m.high.toFixed(2) + 'x)' : ' observed';
    // events that cluster (a pause failing a burst of requests) divide the evidence: say so when it slows it noticeably
    const bursts = m.dispersion != null && m.dispersion >= 1.1 ? ', bursty: evidence divided by ' + m.dispersion.toFixed(2) : '';
    parts.push(m.metric + ': evidence ' + m.eValue.toFixed(2) + (m.ratio != null ? ', ratio ' + m.ratio.toFixed(2) + 'x' + interval : '') + bursts);
  }
  return parts.join('; ');
}

function words(s) {
  return String(s).toLowerCase().replaceAll('_', ' ');
}

function offset(t0, iso) {
  const s = (Date.parse(iso) - t0) / 1000;
  return (s >= 0 ? '+' : '') + s.toFixed(1) + 's';
}

/** "2026-11-27 10:00:06.000 UTC", to the millisecond as the Markdown writes it. */
function utc(iso) {
  return new Date(iso).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

function secs(s) {
  return s >= 60 ? Math.floor(s / 60) + 'm' + Math.floor(s % 60) + 's' : s.toFixed(1) + 's';
}
