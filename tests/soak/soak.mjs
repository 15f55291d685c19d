// soak.mjs: an hour (or --minutes) of mixed load against one bdgd, watching
// its memory and file descriptors. Run by tests/soak/run, which starts the
// bdgd (own data folder and cluster) and passes:
//   --url http://127.0.0.1:PORT --secret S --pid PID --minutes M
//   [--data-dir DIR (for psql checks)] [--concurrency N (12)]
// The load, all at once, as a province's users and portals would make it:
//   readers     units, plans, plan trees, reports, roll-ups, completeness
//   writers     create a unit, rename it (If-Match), delete it (churn
//               without growth); PATCH reports' texts
//   bulk        POST /bulk of 100 units (created once, then updated), and
//               dry runs
//   changes     a portal pulling /changes?since=… incrementally
//   exports     lists as CSV and NDJSON (streamed, page by page)
//   counter     clients incrementing one counter with If-Match (412 → retry)
//   idempotent  POSTs with Idempotency-Key, each sent twice
// From the start, alongside: the full lost-update check, 16 clients x 200
// increments of one counter (the API tests run 16 x 50). Every 10 s: VmRSS, open descriptors and threads of
// bdgd (/proc/PID). It fails (exit 1) on any 5xx, any transport error, a
// counter that lost or doubled an increment, memory or descriptors that
// grow beyond the bounds below; it prints a summary either way.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { fdCount, hsToken, percentile, rssKb, sleep, threadCount } from './harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const URL_ = args.url;
const SECRET = args.secret;
const PID = Number(args.pid);
const MINUTES = Number(args.minutes || 60);
const CONC = Number(args.concurrency || 12);
const DATA_DIR = args['data-dir'] || '';
const SAMPLE_MS = 10000;
if (!URL_ || !SECRET || !PID) {
  console.error('usage: soak.mjs --url URL --secret S --pid PID [--minutes M] [--data-dir DIR]');
  process.exit(2);
}

const Y = String(new Date(Date.now() + 7 * 3600 * 1000).getUTCFullYear());
const P = `SOAK${Date.now().toString(36).toUpperCase()}`;
const tokens = new Map();
function tok(role, unit) {
  const k = `${role} ${unit}`;
  if (!tokens.has(k)) tokens.set(k, hsToken(SECRET, { sub: `soak-${role}-${unit}`, unit, role, ttl: 3 * 86400 }));
  return tokens.get(k);
}

// ---- requests and what came back ---------------------------------------------

const stats = new Map();          // kind -> {n, status: {}, ms: []}
const fiveXX = [];
const transport = [];
function record(kind, status, ms) {
  let s = stats.get(kind);
  if (!s) stats.set(kind, (s = { n: 0, status: {}, ms: [] }));
  s.n++;
  s.status[status] = (s.status[status] || 0) + 1;
  if (s.ms.length < 200000) s.ms.push(ms);
}
async function call(kind, method, path, { token, body, headers = {}, raw } = {}) {
  const t0 = performance.now();
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  try {
    const res = await fetch(`${URL_}/api/v1${path}`, { method, headers: h, body: payload, signal: AbortSignal.timeout(30000) });
    const text = await res.text();
    const ms = performance.now() - t0;
    record(kind, res.status, ms);
    if (res.status >= 500 && fiveXX.length < 50) fiveXX.push(`${kind} ${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    let json;
    if (!raw && /json/.test(res.headers.get('content-type') || '') && text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: res.status, body: json, text, headers: res.headers };
  } catch (e) {
    record(kind, 'error', performance.now() - t0);
    if (transport.length < 50) transport.push(`${kind} ${method} ${path}: ${e.cause?.code || e.message}`);
    return { status: 0, text: String(e.message), headers: new Headers() };
  }
}
const must = async (p, what) => {
  const r = await p;
  if (r.status < 200 || r.status >= 300) throw new Error(`setup: ${what}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
};

// ---- the organisation -----------------------------------------------------------

const admin = tok('admin', P);
const units = [];
const plans = [];
const reports = [];
let indicator;

async function setup() {
  const items = [{ code: P, name: 'UBND tỉnh thử tải', kind: 'province' }];
  for (let d = 1; d <= 5; d++) {
    items.push({ code: `${P}-D${d}`, name: `Sở ${d}`, kind: 'department', parent: P });
    for (let c = 1; c <= 8; c++) items.push({ code: `${P}-D${d}-C${c}`, name: `Trung tâm ${d}.${c}`, kind: 'public_service_unit', parent: `${P}-D${d}` });
  }
  await must(call('setup', 'POST', '/bulk', { token: admin, body: { units: items } }), 'units');
  units.push(...items.map((i) => i.code));
  indicator = `${P}-IND`;
  await must(call('setup', 'POST', '/indicators', { token: admin, body: { code: indicator, name: 'Số người được truyền thông', measure: 'count', aggregation: 'sum', sex_disaggregated: true } }), 'indicator');
  for (let d = 1; d <= 5; d++) {
    const issuer = `${P}-D${d}`;
    const recipients = Array.from({ length: 8 }, (_, c) => `${issuer}-C${c + 1}`);
    const p = await must(call('setup', 'POST', '/plans', { token: tok('editor', issuer), body: { unit: issuer, year: Number(Y), title: `Kế hoạch bình đẳng giới của Sở ${d}`, recipients, reporting: [{ period: Y, due_on: `${Y}-12-01` }] } }), 'plan');
    await must(call('setup', 'POST', `/plans/${p.id}/activities`, { token: tok('editor', issuer), body: { section: 'II.1', title: 'Truyền thông về bình đẳng giới', category: 'communication' } }), 'activity');
    await must(call('setup', 'POST', `/plans/${p.id}/issue`, { token: tok('approver', issuer), body: {}, headers: { 'If-Match': '*' } }), 'issue');
    plans.push({ id: p.id, issuer });
    for (const r of recipients) {
      const rep = await must(call('setup', 'POST', '/reports', { token: tok('editor', r), body: { plan: p.id, unit: r, period: Y, values: [{ indicator, sex: 'female', value: 10 }, { indicator, sex: 'male', value: 5 }] } }), 'report');
      reports.push({ id: rep.id, unit: r, issuer });
    }
  }
  // half the reports go through the workflow now
  for (const r of reports.filter((_, i) => i % 2 === 0)) {
    await must(call('setup', 'POST', `/reports/${r.id}/submit`, { token: tok('approver', r.unit) }), 'submit');
    await must(call('setup', 'POST', `/reports/${r.id}/accept`, { token: tok('approver', r.issuer) }), 'accept');
  }
}

const pick = (a) => a[Math.floor(Math.random() * a.length)];

// ---- the lost-update check ----------------------------------------------------------

async function counterRun(code, clients, perClient, deadline) {
  await must(call('counter', 'PATCH', `/units/${code}`, { token: admin, body: { name: 'Bộ đếm 0' }, headers: { 'If-Match': '*' } }), 'counter');
  let successes = 0;
  let conflicts = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    let mine = 0;
    while (mine < perClient && Date.now() < deadline) {
      const cur = await call('counter', 'GET', `/units/${code}`, { token: admin });
      if (cur.status !== 200) continue;
      const n = Number(/(\d+)$/.exec(cur.body.name)[1]);
      const res = await call('counter', 'PATCH', `/units/${code}`, { token: admin, body: { name: `Bộ đếm ${n + 1}` }, headers: { 'If-Match': cur.headers.get('etag') } });
      if (res.status === 200) {
        mine++;
        successes++;
      } else if (res.status === 412) conflicts++;
    }
  }));
  const end = await call('counter', 'GET', `/units/${code}`, { token: admin });
  return { successes, conflicts, final: Number(/(\d+)$/.exec(end.body.name)[1]) };
}

// ---- the workloads ------------------------------------------------------------------

let seq = 0;
const work = {
  async read() {
    const u = pick(units);
    const v = tok('viewer', u);
    const p = pick(plans);
    const r = pick(reports);
    switch (seq++ % 8) {
      case 0: return call('read', 'GET', `/units/${u}`, { token: v });
      case 1: return call('read', 'GET', `/units?under=${P}&limit=50`, { token: tok('viewer', P) });
      case 2: return call('read', 'GET', `/plans/${p.id}`, { token: tok('viewer', p.issuer) });
      case 3: return call('read', 'GET', `/plans/${p.id}/tree`, { token: tok('viewer', P) });
      case 4: return call('read', 'GET', `/reports?plan=${p.id}&limit=20`, { token: tok('viewer', p.issuer) });
      case 5: return call('read', 'GET', `/units/${p.issuer}/rollup?indicator=${indicator}&period=${Y}&include=submitted`, { token: tok('viewer', p.issuer) });
      case 6: return call('read', 'GET', `/plans/${p.id}/completeness?period=${Y}`, { token: tok('viewer', p.issuer) });
      default: return call('read', 'GET', `/reports/${r.id}`, { token: tok('viewer', r.unit) });
    }
  },
  async write() {
    const parent = pick(units.slice(1, 6));
    const code = `${parent}-W${seq++}`;
    const c = await call('write', 'POST', '/units', { token: admin, body: { code, name: 'Đơn vị tạm', kind: 'other', parent } });
    if (c.status !== 201) return c;
    const p = await call('write', 'PATCH', `/units/${code}`, { token: admin, body: { name: 'Đơn vị tạm (đổi tên)' }, headers: { 'If-Match': c.headers.get('etag') } });
    await call('write', 'DELETE', `/units/${code}`, { token: admin, headers: { 'If-Match': p.headers.get('etag') || '*' } });
    const r = pick(reports.filter((_, i) => i % 2 === 1));
    return call('write', 'PATCH', `/reports/${r.id}`, { token: tok('editor', r.unit), body: { results: `Kết quả lần ${seq}` }, headers: { 'If-Match': '*' } });
  },
  async bulk() {
    const n = seq++;
    const items = Array.from({ length: 100 }, (_, i) => ({ code: `${P}-B${i}`, name: `Đơn vị bulk ${i} (${n % 5})`, kind: 'other', parent: `${P}-D${(i % 5) + 1}` }));
    const dry = n % 3 === 0;
    return call('bulk', 'POST', `/bulk${dry ? '?dry_run=true' : ''}`, { token: admin, body: { units: items } });
  },
  since: 0,
  async changes() {
    // Several workers pull at once: each checks its own page, the shared
    // position only moves forward.
    const since = work.since;
    const r = await call('changes', 'GET', `/changes?since=${since}&limit=500`, { token: tok('viewer', P) });
    if (r.status === 200) {
      const last = Number(r.body.next);
      const revs = r.body.items.map((i) => i.revision);
      if (last < since) fiveXX.push(`changes: since=${since} answered next ${last}`);
      if (revs.some((x, i) => x <= since || (i > 0 && x <= revs[i - 1]))) fiveXX.push(`changes: since=${since}: revisions out of order ${revs.slice(0, 5)}`);
      if (revs.length && last !== revs.at(-1)) fiveXX.push(`changes: next ${last} is not the last revision ${revs.at(-1)}`);
      work.since = Math.max(work.since, last);
    }
    return r;
  },
  async export() {
    const kinds = [['/units?under=' + P, 'text/csv'], ['/units?under=' + P, 'application/x-ndjson'], ['/plans', 'text/csv'], ['/reports', 'application/x-ndjson']];
    const [path, accept] = kinds[seq++ % kinds.length];
    return call('export', 'GET', path, { token: tok('viewer', P), headers: { Accept: accept }, raw: true });
  },
  async idempotent() {
    const n = seq++;
    const body = { code: `${P}-I${n}`, name: 'Đơn vị idempotent', kind: 'other', parent: `${P}-D1` };
    const key = `soak-${P}-${n}`;
    const [a, b] = await Promise.all([
      call('idempotent', 'POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': key } }),
      call('idempotent', 'POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': key } }),
    ]);
    if (a.status === 201 && b.status === 201 && a.text !== b.text) fiveXX.push(`idempotent ${key}: two different answers`);
    if (a.status === 201 || b.status === 201) {
      const etag = (a.status === 201 ? a : b).headers.get('etag');
      await call('idempotent', 'DELETE', `/units/${body.code}`, { token: admin, headers: { 'If-Match': etag } });
    }
    return a;
  },
};

// ---- the run ------------------------------------------------------------------------

const samples = [];
function sample(phase) {
  try {
    samples.push({ t: Date.now(), phase, rss: rssKb(PID), fds: fdCount(PID), threads: threadCount(PID) });
  } catch (e) {
    samples.push({ t: Date.now(), phase, error: e.message });
  }
}

function pgQuery(q) {
  if (!DATA_DIR) return null;
  const pidFile = join(DATA_DIR, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  return execFileSync('psql', ['-X', '-A', '-t', '-h', lines[4].trim(), '-p', lines[3].trim(), '-U', 'bdg', '-d', 'bdg', '-c', q], { encoding: 'utf8' }).trim();
}

async function main() {
  const t0 = Date.now();
  await setup();
  sample('setup');
  console.log(`soak: ${units.length} units, ${plans.length} plans, ${reports.length} reports set up in ${Date.now() - t0} ms; ` +
    `load for ${MINUTES} min at ${CONC} concurrent clients (+ 2 counter clients)`);

  let phase = 'load';
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      sample(phase);
      const s = samples.at(-1);
      if (samples.length % 6 === 0) {
        const done = [...stats.values()].reduce((n, x) => n + x.n, 0);
        console.log(`soak: ${Math.round((Date.now() - t0) / 1000)} s: ${done} requests, ${fiveXX.length} 5xx, VmRSS ${s.rss} kB, fds ${s.fds}, threads ${s.threads}`);
      }
      await sleep(SAMPLE_MS);
    }
  })();

  // 1. the full lost-update check (16 x 200), alongside the mixed load
  const full = counterRun(`${P}-D5-C8`, 16, 200, t0 + MINUTES * 60000).then((r) => {
    console.log(`soak: lost updates: 16 x 200: ${r.successes} increments, ${r.conflicts} 412 retried, final value ${r.final}, ` +
      `after ${Math.round((Date.now() - t0) / 1000)} s`);
    return r;
  });

  // 2. mixed load until the deadline
  phase = 'load';
  const deadline = t0 + MINUTES * 60000;
  const mix = ['read', 'read', 'read', 'read', 'read', 'write', 'write', 'bulk', 'changes', 'export', 'idempotent', 'read'];
  const counter = counterRun(`${P}-D4-C8`, 2, Number.MAX_SAFE_INTEGER, deadline);
  await Promise.all(Array.from({ length: CONC }, async (_, w) => {
    let i = w;
    while (Date.now() < deadline && transport.length < 50) {
      await work[mix[i++ % mix.length]]();
    }
  }));
  const lu2 = await counter;
  const lu = await full;
  stop = true;
  await sampler;
  sample('end');

  // 3. the verdict
  const problems = [];
  if (fiveXX.length) problems.push(`${fiveXX.length}+ answers 5xx (or wrong): ${fiveXX.slice(0, 5).join(' | ')}`);
  if (transport.length) problems.push(`${transport.length}+ transport errors: ${transport.slice(0, 5).join(' | ')}`);
  if (lu.final !== lu.successes) problems.push(`lost updates: ${lu.successes} successes, final ${lu.final}`);
  if (lu.successes !== 16 * 200) {
    // A short run on a busy machine may end first; an hour must not.
    const note = `the 16 x 200 counter made ${lu.successes} increments before the end of the run`;
    if (MINUTES >= 15) problems.push(note);
    else console.log(`soak: note: ${note}`);
  }
  if (lu2.final !== lu2.successes) problems.push(`continuous counter: ${lu2.successes} successes, final ${lu2.final}`);
  const load = samples.filter((s) => s.phase === 'load' && !s.error);
  // Bounds. After a warm-up of 3 samples (30 s: threads, arenas, prepared
  // statements and caches reached), memory must stay within 16 MiB or 20 %
  // of the warm level, whichever is more, and not climb steadily (the last
  // third's mean not above the middle third's by more than 8 MiB); open
  // descriptors within 16 of the warm level (connections come and go; the
  // pool and the listener are fixed).
  if (load.length >= 6) {
    const warm = load.slice(3);
    const base = Math.min(...warm.slice(0, 3).map((s) => s.rss));
    const maxRss = Math.max(...warm.map((s) => s.rss));
    const third = Math.max(1, Math.floor(warm.length / 3));
    const mean = (a) => a.reduce((x, s) => x + s.rss, 0) / a.length;
    const mid = mean(warm.slice(third, 2 * third));
    const last = mean(warm.slice(-third));
    if (maxRss - base > Math.max(16 * 1024, base * 0.2)) problems.push(`VmRSS grew from ${base} kB to ${maxRss} kB`);
    if (warm.length >= 9 && last - mid > 8 * 1024) problems.push(`VmRSS still climbing: ${Math.round(mid)} kB → ${Math.round(last)} kB`);
    const fdBase = Math.min(...warm.slice(0, 3).map((s) => s.fds));
    const fdMax = Math.max(...warm.map((s) => s.fds));
    if (fdMax - fdBase > 16) problems.push(`open descriptors grew from ${fdBase} to ${fdMax}`);
  } else {
    problems.push(`only ${load.length} samples: run at least 1 minute`);
  }
  if (samples.some((s) => s.error)) problems.push(`bdgd went away: ${samples.find((s) => s.error).error}`);

  // 4. the summary
  const secs = (Date.now() - t0) / 1000;
  const total = [...stats.values()].reduce((n, x) => n + x.n, 0);
  console.log(`\nsoak summary: ${Math.round(secs)} s, ${total} requests (${Math.round(total / secs)}/s)`);
  console.log('  kind        requests  statuses                                   p50 ms   p95 ms   p99 ms   max ms');
  for (const [k, s] of [...stats.entries()].sort()) {
    const ms = s.ms.sort((a, c) => a - c);
    console.log(`  ${k.padEnd(11)} ${String(s.n).padStart(8)}  ${JSON.stringify(s.status).padEnd(42)} ${percentile(ms, 50).toFixed(1).padStart(7)}  ` +
      `${percentile(ms, 95).toFixed(1).padStart(7)}  ${percentile(ms, 99).toFixed(1).padStart(7)}  ${ms.at(-1).toFixed(0).padStart(7)}`);
  }
  const okS = samples.filter((s) => !s.error);
  console.log(`  VmRSS kB: first ${okS[0]?.rss}, after warm-up ${load[3]?.rss}, max ${Math.max(...okS.map((s) => s.rss))}, last ${okS.at(-1)?.rss}`);
  console.log(`  open fds: first ${okS[0]?.fds}, after warm-up ${load[3]?.fds}, max ${Math.max(...okS.map((s) => s.fds))}, last ${okS.at(-1)?.fds}; threads ${okS.at(-1)?.threads}`);
  console.log(`  VmRSS every 10 s: ${load.map((s) => s.rss).join(' ')}`);
  console.log(`  fds every 10 s:   ${load.map((s) => s.fds).join(' ')}`);
  console.log(`  lost updates: 16 x 200 → ${lu.successes} successes, final ${lu.final} (${lu.conflicts} 412); continuous counter: ${lu2.successes} successes, final ${lu2.final} (${lu2.conflicts} 412)`);
  const units5 = pgQuery(`SELECT count(*) FROM bdg.unit WHERE code LIKE '${P}%'`);
  if (units5) console.log(`  units of the soak in the database at the end: ${units5} (41 + 100 bulk + counters; temporary ones deleted)`);
  if (problems.length) {
    console.log(`\nsoak: FAILED\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log('\nsoak: passed (no 5xx, no transport error, no lost update, memory and descriptors flat)');
}

main().catch((e) => {
  console.error(`soak: ${e.stack || e.message}`);
  process.exit(1);
});
