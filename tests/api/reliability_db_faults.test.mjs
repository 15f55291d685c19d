// reliability_db_faults.test.mjs: PostgreSQL killed under load. A bdgd of
// its own (own data folder and embedded cluster, as db_outage.test.mjs
// does, so the shared cluster is never touched) serves 8 writers (POST
// /units, each with its own X-Request-Id) and 4 readers. Then SIGQUIT to
// the postmaster (immediate shutdown: every backend dies mid-transaction),
// 3 s of outage under the same load, and pg_ctl start with the same
// options. Checked:
//   * during the outage every answer is 503 (problem+json, Retry-After)
//     within 5 s; /health stays 200; bdgd never exits;
//   * within 10 s of PostgreSQL's return, writes answer 201 again;
//   * every write that answered 2xx is in the database with its audit row
//     (same request id); the writes that got a 503 are counted: each either
//     never happened or, when the connection died after COMMIT, happened
//     whole (its audit row is there) — never half.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BDGD, signJwt, nowSec } from './lib.mjs';
import {
  alive, clusterTarget, pgCtl, postmasterOpts, postmasterPid, psqlJson, sleep, startOwnBdgd,
} from '../soak/harness.mjs';
import { join } from 'node:path';

let b;
before(async () => {
  b = await startOwnBdgd({ bdgd: BDGD, env: { BDG_POOL_SIZE: '4', BDG_STATEMENT_TIMEOUT_MS: '3000' } });
});
after(async () => {
  if (b) await b.cleanup();
});

test('SIGQUIT to the postmaster under load: 503 within 5 s, back within 10 s, every 2xx write in the database with its audit row', async () => {
  const ROOT = `DBF${Date.now().toString(36).toUpperCase()}`;
  const n = nowSec();
  const tok = signJwt({ payload: { sub: 'dbf-admin', unit: ROOT, role: 'admin', iat: n, exp: n + 600 }, key: b.secret });
  const H = { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' };
  const post = (path, body, rid) => timed(() => fetch(`${b.url}/api/v1${path}`, { method: 'POST', headers: { ...H, 'X-Request-Id': rid }, body: JSON.stringify(body), signal: AbortSignal.timeout(15000) }));
  const get = (path) => timed(() => fetch(`${b.url}/api/v1${path}`, { headers: H, signal: AbortSignal.timeout(15000) }));
  async function timed(fn) {
    const t0 = Date.now();
    try {
      const res = await fn();
      const text = await res.text();
      return { t0, t1: Date.now(), status: res.status, text, ct: res.headers.get('content-type'), retry: res.headers.get('retry-after') };
    } catch (e) {
      return { t0, t1: Date.now(), status: 0, text: String(e.cause?.code || e.message) };
    }
  }
  const made = await post('/units', { code: ROOT, name: 'UBND tỉnh thử sự cố', kind: 'province' }, 'dbf-root');
  assert.equal(made.status, 201, made.text);

  const pgdata = b.pgdata;
  const opts = postmasterOpts(pgdata);
  const writes = [];
  const reads = [];
  const health = [];
  let stop = false;
  let seq = 0;
  const writer = async (w) => {
    while (!stop) {
      const k = seq++;
      const code = `${ROOT}-W${k}`;
      const rid = `dbf-${k}`;
      const r = await post('/units', { code, name: `Đơn vị ${k}`, kind: 'other', parent: ROOT }, rid);
      writes.push({ ...r, code, rid, w });
      if (r.status !== 201) await sleep(50);
    }
  };
  const reader = async () => {
    while (!stop) {
      reads.push(await get(`/units/${ROOT}/children?limit=5`));
      await sleep(20);
    }
  };
  const pinger = async () => {
    while (!stop) {
      health.push(await get('/health'));
      await sleep(200);
    }
  };
  const load = [...Array.from({ length: 8 }, (_, i) => writer(i)), ...Array.from({ length: 4 }, reader), pinger()];

  await sleep(1500);
  const pm = postmasterPid(pgdata);
  assert.ok(pm && alive(pm), 'the postmaster runs');
  const killedAt = Date.now();
  process.kill(pm, 'SIGQUIT');
  for (let i = 0; i < 100 && alive(pm); i++) await sleep(50);
  assert.ok(!alive(pm), 'the postmaster exited');
  await sleep(3000);
  const restartAt = Date.now();
  const start = await pgCtl(['start', '-w', '-t', '60', '-D', pgdata, '-l', join(b.dataDir, 'pg.log'), '-o', opts]);
  assert.equal(start.code, 0, `pg_ctl start: ${start.out}`);
  const backAt = Date.now();
  // Load goes on until a write succeeds again (or 10 s), then 1 s more.
  while (Date.now() - backAt < 10000 && !writes.some((r) => r.status === 201 && r.t0 >= backAt)) await sleep(100);
  await sleep(1000);
  stop = true;
  await Promise.all(load);

  // During the outage: from the kill (plus the requests then in flight) to the restart.
  const during = [...writes, ...reads].filter((r) => r.t0 >= killedAt + 200 && r.t1 <= restartAt);
  const badDuring = during.filter((r) => r.status !== 503 || !/problem\+json/.test(r.ct || '') || !r.retry);
  const slow = [...writes, ...reads].filter((r) => r.t0 >= killedAt && r.t0 <= backAt && r.t1 - r.t0 > 5000);
  const firstOk = writes.filter((r) => r.status === 201 && r.t0 >= backAt).sort((a, c) => a.t1 - c.t1)[0];
  const crashed = [...writes, ...reads, ...health].filter((r) => r.status === 0);
  const answersBy = (list) => list.reduce((m, r) => ((m[r.status] = (m[r.status] || 0) + 1), m), {});

  // The database: every 201 is there, with its audit row and request id.
  const target = clusterTarget(b.dataDir);
  const rows = await psqlJson(target, `SELECT u.code, a.request_id FROM bdg.unit u LEFT JOIN bdg.audit a
    ON a.resource = 'unit' AND a.resource_id = u.id AND a.op = 'create' WHERE u.code LIKE '${ROOT}-W%'`);
  const inDb = new Map(rows.map((r) => [r.code, r.request_id]));
  const lost = writes.filter((w) => w.status === 201 && inDb.get(w.code) !== w.rid);
  const ambiguous = writes.filter((w) => w.status !== 201 && inDb.has(w.code));
  const halfWritten = rows.filter((r) => !r.request_id);

  console.log(`db faults: ${writes.length} writes ${JSON.stringify(answersBy(writes))}, ${reads.length} reads ${JSON.stringify(answersBy(reads))}; ` +
    `outage ${restartAt - killedAt} ms, pg_ctl start took ${backAt - restartAt} ms; ${during.length} answers during the outage, ` +
    `${badDuring.length} not 503; slowest answer around the outage ${Math.max(0, ...[...writes, ...reads].filter((r) => r.t0 >= killedAt && r.t0 <= backAt).map((r) => r.t1 - r.t0))} ms; ` +
    `first 201 ${firstOk ? firstOk.t1 - backAt : 'never'} ms after PostgreSQL was back; ${lost.length} 2xx writes missing, ` +
    `${ambiguous.length} writes answered 503 but committed (whole, with their audit row), ${halfWritten.length} without an audit row`);

  assert.equal(b.exited, null, `bdgd exited: ${JSON.stringify(b.exited)} ${b.stderr().slice(-1000)}`);
  assert.deepEqual(crashed.map((r) => r.text).slice(0, 5), [], 'no connection refused or reset: bdgd never went away');
  assert.ok(health.every((h) => h.status === 200), '/health answered 200 throughout');
  assert.ok(during.length > 10, 'requests were made during the outage');
  assert.deepEqual(badDuring.map((r) => `${r.status} ${r.text.slice(0, 100)}`).slice(0, 10), [], 'during the outage: 503 problem+json with Retry-After');
  assert.deepEqual(slow.map((r) => r.t1 - r.t0), [], 'every answer within 5 s');
  assert.ok(firstOk && firstOk.t1 - backAt < 10000, 'writes succeed again within 10 s of the restart');
  assert.deepEqual(lost.map((w) => w.code), [], 'every write that answered 201 is in the database with its audit row');
  assert.deepEqual(halfWritten, [], 'no unit without its audit row');
  const ok = await get(`/units/${ROOT}`);
  assert.equal(ok.status, 200);
});
