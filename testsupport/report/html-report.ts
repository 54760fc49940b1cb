import type { RunReport } from './run-report.ts';

/**
 * The run report as one self-contained HTML file: the data as embedded JSON, inline CSS and script, nothing from
 * the network. The test list is built in one pass; a test's timeline only when it is opened (600 tests open fast).
 */
export function renderHtmlReport(report: RunReport): string {
  // "<" escaped so that no string in the data can close the script element
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chart-testware run ${escapeHtml(report.runId)}</title>
<style>${css}</style>
</head>
<body>
<header><h1>chart-testware run report</h1><div id="meta"></div></header>
<section id="summary" aria-label="summary"></section>
<nav id="filters" aria-label="filters">
  <label>status <select id="filter-status">
    <option value="">all but deselected</option>
    <option value="problems">failed and quarantined</option>
    <option value="failed">failed</option>
    <option value="quarantined">quarantined failures</option>
    <option value="passed">passed</option>
    <option value="skipped">skipped</option>
    <option value="deselected">deselected</option>
    <option value="any">everything</option>
  </select></label>
  <label>marker <select id="filter-marker"><option value="">any</option></select></label>
  <label>file <select id="filter-file"><option value="">any</option></select></label>
  <label>search <input id="filter-text" type="search" placeholder="test name"></label>
  <span id="shown"></span>
</nav>
<main>
<table id="tests"><thead><tr><th>status</th><th>test</th><th>file</th><th>markers</th><th class="num">duration</th><th>history</th></tr></thead><tbody></tbody></table>
<section id="suite-errors"></section>
<section id="quarantine"></section>
<section id="inventory"></section>
</main>
<script type="application/json" id="report-data">${data}</script>
<script>${script}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const css = `
:root { --pass: #1a7f37; --fail: #cf222e; --quar: #9a6700; --skip: #6e7781; --bg: #f6f8fa; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1f2328; }
header { padding: 12px 20px; background: #24292f; color: #fff; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; }
#meta { font-size: 12px; opacity: .85; }
#summary { display: flex; gap: 12px; padding: 12px 20px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 110px; background: #fff; cursor: pointer; }
.card b { display: block; font-size: 22px; }
.card.passed b { color: var(--pass); } .card.failed b { color: var(--fail); } .card.quarantined b { color: var(--quar); }
.card.skipped b, .card.deselected b { color: var(--skip); }
.card.info { cursor: default; font-size: 12px; }
nav { padding: 8px 20px; background: var(--bg); border-block: 1px solid var(--line); display: flex; gap: 14px; flex-wrap: wrap; align-items: center; position: sticky; top: 0; z-index: 2; }
main { padding: 0 20px 40px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th.num, td.num { text-align: right; white-space: nowrap; }
tr.test { cursor: pointer; } tr.test:hover { background: var(--bg); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: #fff; white-space: nowrap; }
.badge.passed { background: var(--pass); } .badge.failed { background: var(--fail); }
.badge.quarantined { background: repeating-linear-gradient(45deg, var(--quar), var(--quar) 6px, #bf8700 6px, #bf8700 12px); color: #fff; }
.badge.skipped, .badge.deselected { background: var(--skip); }
tr.status-quarantined td:first-child { border-left: 4px dashed var(--quar); }
tr.status-failed td:first-child { border-left: 4px solid var(--fail); }
.marker { font-size: 11px; background: #ddf4ff; border-radius: 8px; padding: 0 6px; margin-right: 3px; }
.flag { font-size: 11px; border-radius: 8px; padding: 0 6px; margin-left: 4px; background: #fff8c5; border: 1px solid #d4a72c; }
.flag.leave { background: #dafbe1; border-color: var(--pass); }
.dots { white-space: nowrap; } .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 2px; }
.dot.passed { background: var(--pass); } .dot.failed { background: var(--fail); }
tr.detail > td { background: #fff; padding: 10px 16px 16px; }
pre.failure { background: #ffebe9; border: 1px solid #ff8182; padding: 8px; white-space: pre-wrap; max-height: 320px; overflow: auto; font-size: 12px; }
pre.failure.quarantined { background: #fff8c5; border-color: #d4a72c; }
.links a { margin-right: 10px; font-size: 12px; }
.timeline { position: relative; margin: 10px 0; font-size: 12px; }
.lane { display: flex; align-items: center; border-bottom: 1px dotted var(--line); min-height: 22px; }
.lane-name { width: 260px; flex: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding-right: 6px; }
.lane-track { position: relative; flex: 1; height: 22px; }
.bar { position: absolute; top: 4px; height: 14px; border-radius: 3px; min-width: 3px; background: #54aeff; color: #fff; font-size: 10px; overflow: hidden; white-space: nowrap; padding: 0 3px; }
.bar.helm { background: #0969da; } .bar.failed { background: var(--fail); } .bar.exec { background: #8250df; } .bar.step { background: #6e7781; }
.mark { position: absolute; top: 5px; width: 10px; height: 10px; margin-left: -5px; transform: rotate(45deg); background: #54aeff; }
.mark.ready { background: var(--pass); } .mark.pending { background: #d4a72c; } .mark.failed { background: var(--fail); }
.mark.warning { background: #fb8500; } .mark.ok { background: #8c959f; } .mark.step { background: #24292f; }
.failure-line { position: absolute; top: 0; bottom: 0; width: 2px; background: var(--fail); z-index: 1; }
.axis { display: flex; justify-content: space-between; margin-left: 260px; color: #57606a; font-size: 11px; }
table.events td { font-size: 12px; } table.events td.detail { white-space: pre-wrap; color: #57606a; }
details { margin-top: 6px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
code { font-size: 12px; }
`;

// Plain browser JavaScript (no build step): reads the embedded data, renders list, filters and timelines.
const script = `
(function () {
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var tests = report.tests;
  function esc(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function ms(n) { return n >= 60000 ? (n / 60000).toFixed(1) + ' min' : n >= 1000 ? (n / 1000).toFixed(1) + ' s' : Math.round(n) + ' ms'; }
  var statusText = { passed: 'passed', failed: 'failed', quarantined: 'quarantined failure', skipped: 'skipped', deselected: 'deselected' };

  var v = report.versions;
  document.getElementById('meta').innerHTML = 'run <code>' + esc(report.runId) + '</code> · ' + esc(report.generatedAt) +
    ' · ' + ms(report.durationMs) + (report.interrupted ? ' · <b>interrupted</b>' : '');
  var c = report.counts;
  document.getElementById('summary').innerHTML = ['passed', 'failed', 'quarantined', 'skipped', 'deselected'].map(function (s) {
    return '<div class="card ' + s + '" data-status="' + s + '"><b data-count="' + s + '">' + c[s] + '</b>' + statusText[s] + '</div>';
  }).join('') + '<div class="card info"><span>duration</span><b data-count="duration">' + ms(report.durationMs) + '</b></div>' +
    '<div class="card info">Kubernetes <b data-version="kubernetes">' + esc(v.kubernetes || 'n/a') + '</b></div>' +
    '<div class="card info">helm <b data-version="helm">' + esc(v.helm || 'n/a') + '</b></div>' +
    '<div class="card info">cluster <span data-version="cluster">' + esc(v.cluster || 'n/a') + '</span></div>' +
    (report.suiteErrors.length ? '<div class="card failed"><b>' + report.suiteErrors.length + '</b>files failed outside tests</div>' : '');

  var markers = {}, files = {};
  tests.forEach(function (t) { t.markers.forEach(function (m) { markers[m] = 1; }); files[t.file] = 1; });
  function options(id, values) {
    document.getElementById(id).insertAdjacentHTML('beforeend', Object.keys(values).sort().map(function (x) {
      return '<option value="' + esc(x) + '">' + esc(x) + '</option>'; }).join(''));
  }
  options('filter-marker', markers); options('filter-file', files);

  function dots(h) { return '<span class="dots">' + h.map(function (o) { return '<span class="dot ' + o + '" title="' + o + '"></span>'; }).join('') + '</span>'; }
  var rows = tests.map(function (t, i) {
    return '<tr class="test status-' + t.status + '" data-i="' + i + '" data-status="' + t.status + '"><td><span class="badge ' + t.status + '">' +
      statusText[t.status] + '</span></td><td>' + esc(t.name) + (t.readyToLeaveQuarantine ? '<span class="flag leave">ready to leave quarantine</span>' : '') +
      (t.flaky ? '<span class="flag">flaky</span>' : '') + '</td><td><code>' + esc(t.file) + '</code></td><td>' +
      t.markers.map(function (m) { return '<span class="marker">' + esc(m) + '</span>'; }).join('') + '</td><td class="num">' +
      (t.status === 'deselected' ? '' : ms(t.durationMs)) + '</td><td>' + dots(t.history) + '</td></tr>';
  });
  var tbody = document.querySelector('#tests tbody');
  tbody.innerHTML = rows.join('');
  var rowEls = tbody.querySelectorAll('tr.test');

  function applyFilters() {
    var st = document.getElementById('filter-status').value, mk = document.getElementById('filter-marker').value;
    var fl = document.getElementById('filter-file').value, tx = document.getElementById('filter-text').value.toLowerCase();
    var shown = 0;
    for (var i = 0; i < rowEls.length; i++) {
      var t = tests[i], ok = true;
      if (st === '') ok = t.status !== 'deselected';
      else if (st === 'problems') ok = t.status === 'failed' || t.status === 'quarantined';
      else if (st !== 'any') ok = t.status === st;
      if (ok && mk) ok = t.markers.indexOf(mk) >= 0;
      if (ok && fl) ok = t.file === fl;
      if (ok && tx) ok = t.name.toLowerCase().indexOf(tx) >= 0;
      rowEls[i].hidden = !ok;
      var d = rowEls[i].nextElementSibling;
      if (d && d.classList.contains('detail')) d.hidden = !ok;
      if (ok) shown++;
    }
    document.getElementById('shown').textContent = shown + ' of ' + tests.length + ' tests shown';
  }
  ['filter-status', 'filter-marker', 'filter-file'].forEach(function (id) { document.getElementById(id).addEventListener('change', applyFilters); });
  document.getElementById('filter-text').addEventListener('input', applyFilters);
  Array.prototype.forEach.call(document.querySelectorAll('.card[data-status]'), function (card) {
    card.addEventListener('click', function () { document.getElementById('filter-status').value = card.getAttribute('data-status'); applyFilters(); });
  });
  applyFilters();

  function timeline(t) {
    var ev = t.events;
    if (!ev.length) return '<p class="no-events">No events recorded (no deployment, exec or step in this test).</p>';
    var t0 = Infinity, t1 = -Infinity;
    ev.forEach(function (e) { t0 = Math.min(t0, e.at); t1 = Math.max(t1, e.at + (e.durationMs || 0)); });
    var span = Math.max(t1 - t0, 1);
    function pct(x) { return ((x - t0) / span * 100).toFixed(3) + '%'; }
    var lanes = [], byLane = {};
    ev.forEach(function (e) { if (e.kind === 'failure' || e.kind === 'diagnostics') return; if (!byLane[e.lane]) { byLane[e.lane] = []; lanes.push(e.lane); } byLane[e.lane].push(e); });
    lanes.sort(function (a, b) { return (a === 'test' ? -1 : 0) - (b === 'test' ? -1 : 0); });
    var fails = ev.filter(function (e) { return e.kind === 'failure'; });
    var html = '<div class="timeline" data-lanes="' + lanes.length + '">' + lanes.map(function (lane) {
      return '<div class="lane" data-lane="' + esc(lane) + '"><div class="lane-name" title="' + esc(lane) + '">' + esc(lane.replace(/^(\\S+) [^\\s\\/]+\\//, '$1 ')) + '</div><div class="lane-track">' +
        byLane[lane].map(function (e) {
          var title = esc(e.label + (e.detail ? '\\n' + e.detail : ''));
          if (e.durationMs != null) {
            return '<div class="bar ' + esc(e.kind) + ' ' + esc(e.outcome || '') + '" data-kind="' + esc(e.kind) + '" style="left:' + pct(e.at) +
              ';width:' + (e.durationMs / span * 100).toFixed(3) + '%" title="' + title + '">' + esc(e.label) + '</div>';
          }
          return '<div class="mark ' + esc(e.kind === 'step' ? 'step' : e.outcome || 'ok') + '" data-kind="' + esc(e.kind) + '" data-outcome="' + esc(e.outcome || '') +
            '" style="left:' + pct(e.at) + '" title="' + title + '"></div>';
        }).join('') + fails.map(function (f) { return '<div class="failure-line" style="left:' + pct(f.at) + '" title="' + esc(f.label) + '"></div>'; }).join('') +
        '</div></div>';
    }).join('') + '<div class="axis"><span>0</span><span>' + ms(span / 2) + '</span><span>' + ms(span) + '</span></div></div>';
    html += '<details><summary>all ' + ev.length + ' events</summary><table class="events"><tbody>' + ev.map(function (e) {
      return '<tr><td class="num">+' + ms(e.at - t0) + '</td><td>' + esc(e.kind) + '</td><td>' + esc(e.lane) + '</td><td>' + esc(e.label) +
        (e.durationMs != null ? ' (' + ms(e.durationMs) + ')' : '') + '</td><td class="detail">' + esc(e.detail || '') + '</td></tr>';
    }).join('') + '</tbody></table></details>';
    return html;
  }

  function detail(t) {
    var h = '';
    if (t.failure) h += '<pre class="failure' + (t.status === 'quarantined' ? ' quarantined' : '') + '">' +
      (t.status === 'quarantined' ? '[quarantined: does not fail the run]\\n' : '') + esc(t.failure) + '</pre>';
    if (t.artifacts) h += '<div class="links">diagnostics: <a href="' + esc(t.artifacts) + '/">' + esc(t.artifacts) + '/</a> ' +
      (t.artifactFiles || []).map(function (f) { return '<a href="' + esc(f) + '">' + esc(f.slice(t.artifacts.length + 1)) + '</a>'; }).join('') + '</div>';
    if (t.history.length) h += '<p>last ' + t.history.length + ' runs (oldest first): ' + dots(t.history) + ' ' + t.history.join(', ') + '</p>';
    return h + timeline(t);
  }
  tbody.addEventListener('click', function (event) {
    var row = event.target.closest('tr.test');
    if (!row || event.target.closest('a')) return;
    var next = row.nextElementSibling;
    if (next && next.classList.contains('detail')) { next.remove(); return; }
    var t = tests[Number(row.getAttribute('data-i'))];
    row.insertAdjacentHTML('afterend', '<tr class="detail"><td colspan="6">' + detail(t) + '</td></tr>');
  });

  if (report.suiteErrors.length) document.getElementById('suite-errors').innerHTML = '<h2>Files that failed outside their tests</h2>' +
    report.suiteErrors.map(function (e) { return '<p><code>' + esc(e.file) + '</code>' + (e.artifacts ? ' · diagnostics: <a href="' + esc(e.artifacts) + '/">' + esc(e.artifacts) + '/</a>' : '') +
      '</p><pre class="failure">' + esc(e.message) + '</pre>'; }).join('');

  var q = tests.filter(function (t) { return t.markers.indexOf('quarantine') >= 0 && t.status !== 'deselected'; });
  var flaky = tests.filter(function (t) { return t.flaky; });
  document.getElementById('quarantine').innerHTML = '<h2>Quarantine (last ' + report.historyLength + ' runs)</h2>' +
    (q.length ? '<table><tbody>' + q.map(function (t) { return '<tr><td>' + esc(t.name) + '</td><td><code>' + esc(t.file) + '</code></td><td>' + dots(t.history) +
      '</td><td>' + (t.readyToLeaveQuarantine ? '<span class="flag leave">ready to leave quarantine</span>' : '') + '</td></tr>'; }).join('') + '</tbody></table>' : '<p>No quarantined test ran.</p>') +
    (flaky.length ? '<h2>Flaky (flipped between passed and failed)</h2><ul>' + flaky.map(function (t) { return '<li>' + esc(t.name) + ' ' + dots(t.history) + '</li>'; }).join('') + '</ul>' : '');

  document.getElementById('inventory').innerHTML = '<h2>Deployment inventory</h2>' + (report.inventory.length ? '<table><thead><tr><th>release</th><th>chart</th><th>version</th><th>values digest</th><th>images (what the node ran)</th></tr></thead><tbody>' +
    report.inventory.map(function (d) {
      var seen = {};
      var imgs = d.images.filter(function (i) { var k = i.image + i.imageID; if (seen[k]) return false; seen[k] = 1; return true; });
      return '<tr><td>' + esc(d.namespace + '/' + d.release) + '</td><td>' + esc(d.chartName) + '</td><td>' + esc(d.chartVersion) + '</td><td><code>' + esc(d.valuesDigest.slice(0, 19)) +
        '…</code></td><td>' + imgs.map(function (i) { return '<div><code>' + esc(i.image) + '</code><br><code title="' + esc(i.imageID) + '">' + esc(i.imageID || 'never started') + '</code></div>'; }).join('') + '</td></tr>';
    }).join('') + '</tbody></table>' : '<p>No release was installed.</p>');
})();
`;
