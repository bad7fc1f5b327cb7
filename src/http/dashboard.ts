// GET /: the dashboard, one page of plain HTML and vanilla JavaScript (fetch and EventSource
// only, nothing to build). The table is filled by the snapshot of /api/events and kept up to
// date by its `s6` and `stats` events: the page never polls.
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hexad</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
:root { --bg:#0f1419; --fg:#d8dee4; --dim:#7d8590; --up:#3fb950; --down:#f85149; --warn:#d29922; --line:#30363d; --panel:#161b22; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; gap:1em; align-items:center; padding:.6em 1em; border-bottom:1px solid var(--line); background:var(--panel); }
header h1 { font-size:1.1em; margin:0; } header .dim { color:var(--dim); }
#conn.live { color:var(--up); } #conn.lost { color:var(--down); }
main { display:grid; grid-template-columns: minmax(0,3fr) minmax(0,2fr); gap:1em; padding:1em; }
section { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:.6em; min-width:0; }
h2 { font-size:1em; margin:.2em 0 .6em; color:var(--dim); font-weight:600; }
table { border-collapse:collapse; width:100%; font-variant-numeric: tabular-nums; }
th, td { text-align:left; padding:.25em .5em; border-bottom:1px solid var(--line); white-space:nowrap; }
th { color:var(--dim); font-weight:500; cursor:pointer; }
tr.logger td:first-child { padding-left:1.6em; color:var(--dim); }
tr.sel { background:#1f2937; } tbody tr { cursor:pointer; }
.up { color:var(--up); } .down { color:var(--down); } .finishing, .paused { color:var(--warn); } .off { color:var(--dim); }
button { background:#21262d; color:var(--fg); border:1px solid var(--line); border-radius:4px; padding:.1em .5em; cursor:pointer; }
button:hover { border-color:var(--dim); }
pre { margin:0; max-height:24em; overflow:auto; font:12px/1.35 ui-monospace, monospace; white-space:pre-wrap; }
svg text { fill:var(--fg); font:12px system-ui; } svg line { stroke:var(--dim); }
input { background:#0d1117; color:var(--fg); border:1px solid var(--line); border-radius:4px; padding:.15em .4em; }
#msg { color:var(--warn); }
</style></head>
<body>
<header><h1>hexad</h1><span class="dim" id="scandir"></span><span id="conn">connecting…</span><span id="count" class="dim"></span>
<span style="margin-left:auto" class="dim">token <input id="token" type="password" size="14" placeholder="for actions"></span><span id="msg"></span></header>
<main>
<section style="grid-column:1 / -1"><h2>Services</h2>
<table id="services"><thead><tr>
<th data-sort="name">service</th><th data-sort="state">state</th><th>pid</th><th data-sort="since">uptime</th><th>ready</th>
<th data-sort="restarts">restarts</th><th>last exit</th><th data-sort="cpu">CPU</th><th data-sort="rss">memory</th><th>logger</th><th>actions</th>
</tr></thead><tbody></tbody></table></section>
<section><h2>Log <span id="logname" class="dim"></span> <button id="logrefresh">refresh</button></h2><pre id="log">select a service</pre></section>
<section><h2>rc dependency graph</h2><div id="rc"><span class="dim">no rc database live on this scan directory</span></div></section>
</main>
<script>
'use strict';
const rows = new Map();      // name -> row (from the API)
const cpuPrev = new Map();   // name -> [time ms, cpu seconds]
let sortKey = 'name', selected = null;
const $ = (s) => document.querySelector(s);
const tokenInput = $('#token');
tokenInput.value = localStorage.getItem('hexad-token') || '';
tokenInput.onchange = () => localStorage.setItem('hexad-token', tokenInput.value);

function dur(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor(s % 3600 / 60)).padStart(2, '0') + 'm';
  return Math.floor(s / 86400) + 'd' + String(Math.floor(s % 86400 / 3600)).padStart(2, '0') + 'h';
}
function bytes(n) {
  if (n == null) return '-';
  const u = ['B', 'KiB', 'MiB', 'GiB']; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return n.toFixed(i ? 1 : 0) + ' ' + u[i];
}
function lastExit(e) { return !e ? '-' : ('code' in e ? 'exit ' + e.code : e.signal); }
function stateOf(r) { return r.state === 'up' && r.paused ? 'paused' : r.state; }
function cell(tr, col, text, cls) {
  let td = tr.querySelector('[data-col="' + col + '"]');
  if (!td) { td = document.createElement('td'); td.dataset.col = col; tr.appendChild(td); }
  if (td.textContent !== text) td.textContent = text;
  td.className = cls || '';
  return td;
}
function order() {
  const list = [...rows.values()].filter((r) => r.kind !== 'logger');
  const key = sortKey;
  list.sort((a, b) => key === 'name' ? (a.name < b.name ? -1 : 1)
    : key === 'since' ? (a.since - b.since) : ((b[key] ?? -1) > (a[key] ?? -1) ? 1 : (b[key] ?? -1) < (a[key] ?? -1) ? -1 : (a.name < b.name ? -1 : 1)));
  const out = [];
  for (const r of list) { out.push(r); const l = rows.get(r.name + '/log'); if (l) out.push(l); }
  return out;
}
function render() {
  const tbody = $('#services tbody');
  const now = Date.now();
  const seen = new Set();
  let prev = null;
  for (const r of order()) {
    seen.add(r.name);
    let tr = tbody.querySelector('tr[data-name="' + CSS.escape(r.name) + '"]');
    if (!tr) {
      tr = document.createElement('tr'); tr.dataset.name = r.name;
      tr.onclick = (ev) => { if (ev.target.tagName !== 'BUTTON') select(r.name); };
    }
    const want = prev ? prev.nextSibling : tbody.firstChild;
    if (want !== tr) tbody.insertBefore(tr, want);
    prev = tr;
    tr.className = (r.kind === 'logger' ? 'logger ' : '') + (selected === r.name ? 'sel' : '');
    const st = stateOf(r);
    cell(tr, 'name', r.name);
    cell(tr, 'state', st + (r.state !== 'up' && !r.wantUp ? ' (wanted down)' : ''), st === 'down' && !r.wantUp ? 'off' : st);
    cell(tr, 'pid', r.pid == null ? '-' : String(r.pid));
    cell(tr, 'uptime', r.state === 'up' ? dur(now - r.since) : 'down ' + dur(now - r.since));
    cell(tr, 'ready', r.state !== 'up' || !r.readiness ? '-' : r.ready ? 'yes' : 'no', r.ready ? 'up' : '');
    cell(tr, 'restarts', String(r.restarts));
    cell(tr, 'lastexit', lastExit(r.lastExit));
    cell(tr, 'cpu', r.cpuPct == null ? '-' : r.cpuPct.toFixed(1) + '%');
    cell(tr, 'memory', bytes(r.rss));
    const lg = rows.get(r.name + '/log');
    cell(tr, 'logger', r.kind === 'logger' ? '' : lg ? stateOf(lg) : '-', lg ? stateOf(lg) : '');
    let act = tr.querySelector('[data-col="actions"]');
    if (!act) {
      act = cell(tr, 'actions', '');
      for (const a of ['restart', 'down', 'up']) {
        const b = document.createElement('button'); b.textContent = a; b.dataset.action = a;
        b.onclick = () => action(r.name, a); act.appendChild(b); act.append(' ');
      }
    }
  }
  for (const tr of [...tbody.children]) if (!seen.has(tr.dataset.name)) tr.remove();
  const services = [...rows.values()].filter((r) => r.kind !== 'logger');
  $('#count').textContent = services.length + ' services, ' + services.filter((r) => r.state === 'up').length + ' up';
}
function stats(time, list) {
  for (const s of list) {
    const r = rows.get(s.name); if (!r) continue;
    r.rss = s.rss;
    if (s.cpu != null) {
      const p = cpuPrev.get(s.name);
      if (p && s.since === p[2]) r.cpuPct = Math.max(0, (s.cpu - p[1]) / ((time - p[0]) / 1000) * 100);
      cpuPrev.set(s.name, [time, s.cpu, s.since]);
    } else { r.cpuPct = null; cpuPrev.delete(s.name); }
  }
}
async function action(name, what) {
  const res = await fetch('/api/services/' + encodeURIComponent(name) + '/' + what,
    { method: 'POST', headers: { authorization: 'Bearer ' + tokenInput.value } });
  $('#msg').textContent = res.ok ? '' : (await res.json()).error;
}
async function select(name) {
  selected = name; render();
  $('#logname').textContent = name;
  const res = await fetch('/api/services/' + encodeURIComponent(name.replace(/\\/log$/, '')) + '/log?lines=200');
  const j = await res.json();
  const pre = $('#log');
  pre.textContent = j.lines ? (j.lines.join('\\n') || '(empty)') : j.error;
  pre.scrollTop = pre.scrollHeight;
}
$('#logrefresh').onclick = () => selected && select(selected);
for (const th of document.querySelectorAll('th[data-sort]')) th.onclick = () => { sortKey = th.dataset.sort; render(); };

const es = new EventSource('/api/events');
es.addEventListener('snapshot', (m) => {
  const d = JSON.parse(m.data);
  rows.clear();
  for (const r of d.rows) rows.set(r.name, r);
  stats(d.time, d.rows);
  $('#conn').textContent = 'live'; $('#conn').className = 'live';
  render();
});
es.addEventListener('s6', (m) => {
  const d = JSON.parse(m.data);
  if (d.row) { const old = rows.get(d.name); rows.set(d.name, Object.assign(d.row, old ? { rss: old.rss, cpuPct: old.cpuPct } : {})); }
  else rows.delete(d.name);
  if (d.row && d.row.state !== 'up') { d.row.rss = null; d.row.cpuPct = null; }
  render();
  if (selected && (d.service === selected || d.name === selected) && (d.event === 'u' || d.event === 'd')) setTimeout(() => select(selected), 300);
});
es.addEventListener('stats', (m) => { const d = JSON.parse(m.data); stats(d.time, d.rows); render(); });
es.onerror = () => { $('#conn').textContent = 'reconnecting…'; $('#conn').className = 'lost'; };
setInterval(render, 1000); // the uptime column counts on the page; nothing is fetched

fetch('/api/status').then((r) => r.json()).then((s) => { $('#scandir').textContent = s.scandir; }).catch(() => {});
fetch('/api/rc').then((r) => r.json()).then(drawRc).catch(() => {});

function drawRc(graphs) {
  if (!graphs.length) return;
  const host = $('#rc'); host.textContent = '';
  for (const g of graphs) {
    const byName = new Map(g.services.map((s) => [s.name, s]));
    const depth = new Map();
    const level = (n, seen = new Set()) => {
      if (depth.has(n)) return depth.get(n);
      if (seen.has(n)) return 0; seen.add(n);
      const s = byName.get(n); const d = s && s.deps.length ? 1 + Math.max(...s.deps.map((x) => level(x, seen))) : 0;
      depth.set(n, d); return d;
    };
    g.services.forEach((s) => level(s.name));
    const cols = [];
    for (const s of g.services) (cols[depth.get(s.name)] ||= []).push(s);
    const W = 150, H = 30, pos = new Map();
    cols.forEach((c, x) => c.forEach((s, y) => pos.set(s.name, [10 + x * W, 20 + y * H])));
    const h = 30 + Math.max(...cols.map((c) => c.length)) * H, w = 20 + cols.length * W;
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg'); svg.setAttribute('width', w); svg.setAttribute('height', h);
    for (const s of g.services) for (const d of s.deps) {
      const a = pos.get(s.name), b = pos.get(d); if (!a || !b) continue;
      const l = document.createElementNS(ns, 'line');
      l.setAttribute('x1', a[0]); l.setAttribute('y1', a[1] - 4); l.setAttribute('x2', b[0] + W - 30); l.setAttribute('y2', b[1] - 4);
      svg.appendChild(l);
    }
    for (const s of g.services) {
      const [x, y] = pos.get(s.name);
      const t = document.createElementNS(ns, 'text'); t.setAttribute('x', x); t.setAttribute('y', y);
      t.textContent = (s.up ? '● ' : '○ ') + s.name + (s.type === 'oneshot' ? ' (oneshot)' : '');
      t.setAttribute('class', s.up ? 'up' : 'off'); t.style.fill = s.up ? 'var(--up)' : 'var(--dim)';
      t.dataset.rc = s.name;
      svg.appendChild(t);
    }
    const cap = document.createElement('div'); cap.className = 'dim'; cap.textContent = g.live + (g.busy ? ' (a change is running)' : '');
    host.append(cap, svg);
  }
}
</script>
</body></html>
`;
