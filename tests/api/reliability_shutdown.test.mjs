// reliability_shutdown.test.mjs: SIGTERM under load. A bdgd of its own on
// the shared cluster (BDG_DATABASE_URL: its exit stops nothing else) takes
// writes from 12 clients — POST /units, and POST /bulk of 100 units, which
// take long enough to be caught in flight — each on a fresh connection
// with its own X-Request-Id, over raw sockets so that every outcome is
// known exactly: refused (never connected), cut (connected, the request
// sent, the connection closed before a complete answer), or answered (the
// status line, headers and Content-Length bytes of body all arrived).
// Once a dozen writes have succeeded: SIGTERM. What is checked, precisely:
//   * bdgd exits 0 within 30 s;
//   * the requests in flight when the signal came (sent before it, not
//     answered yet) are answered, completely;
//   * no answer is half written: every status line that arrived came with
//     its whole body (Content-Length bytes, JSON that parses);
//   * every 2xx write is in the database: its audit rows carry its request
//     id (1 for a unit, 100 for a bulk);
//   * no write is committed without its answer: every request id found in
//     the audit log belongs to a request that got a complete 2xx answer
//     (a request that was refused or cut wrote nothing).
import assert from 'node:assert/strict';
import net from 'node:net';
import { before, test } from 'node:test';

import { BDGD, makeTree, pgTarget, SECRET, sql, token } from './lib.mjs';
import { sleep, startSharedBdgd } from '../soak/harness.mjs';

let t;

// One request on its own connection; resolves with what happened.
function send(port, { method, path, headers, body }) {
  return new Promise((resolve) => {
    const r = { t0: Date.now(), connected: false, sent: false, status: null, complete: false, bytes: 0, error: null };
    const s = net.connect(port, '127.0.0.1');
    const parts = [];
    let done = false;
    const finish = (why) => {
      if (done) return;
      done = true;
      r.t1 = Date.now();
      const buf = Buffer.concat(parts);
      r.bytes = buf.length;
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = buf.subarray(0, end).toString('latin1');
        const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
        r.status = m ? Number(m[1]) : null;
        const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
        const payload = buf.subarray(end + 4);
        r.complete = cl ? payload.length === Number(cl[1]) : r.status === 204;
        r.body = payload.toString('utf8');
        if (r.complete && /application\/(problem\+)?json/i.test(head) && r.body) {
          try {
            JSON.parse(r.body);
          } catch {
            r.complete = false;
          }
        }
      }
      r.why = why;
      s.destroy();
      resolve(r);
    };
    s.setTimeout(30000, () => finish('timeout'));
    s.on('connect', () => {
      r.connected = true;
      const text = `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      s.write(text, () => { r.sent = true; r.sentAt = Date.now(); });
    });
    s.on('data', (d) => parts.push(d));
    s.on('error', (e) => {
      r.error = e.code;
      finish('error');
    });
    s.on('close', () => finish('closed'));
  });
}

let R;     // what the scenario saw

async function scenario() {
  const b = await startSharedBdgd({ bdgd: BDGD, target: pgTarget(), secret: SECRET, env: { BDG_POOL_SIZE: '6' } });
  try {
    await load(b);
  } finally {
    if (!b.exited) await b.stop('SIGKILL');
  }
}

async function load(b) {
  const tok = token({ sub: 'shutdown-admin', unit: t.root, role: 'admin', ttl: 600 });
  const H = { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' };
  const RUN = `sd${Date.now().toString(36)}`;
  const reqs = [];
  let k = 0;
  let refused = false;
  let killedAt = Infinity;
  const client = async (c) => {
    while (!refused && Date.now() < killedAt + 5000) {
      const n = k++;
      const rid = `${RUN}-${n}`;
      const bulk = n % 3 === 0;
      const body = bulk
        ? JSON.stringify({ units: Array.from({ length: 100 }, (_, i) => ({ code: `${t.prefix}-S${n}-${i}`, name: `Đơn vị ${n}.${i}`, kind: 'other', parent: t.B })) })
        : JSON.stringify({ code: `${t.prefix}-S${n}`, name: `Đơn vị ${n}`, kind: 'other', parent: t.A });
      const r = await send(b.port, { method: 'POST', path: bulk ? '/api/v1/bulk' : '/api/v1/units', headers: { ...H, 'X-Request-Id': rid }, body });
      Object.assign(r, { rid, bulk, c });
      reqs.push(r);
      if (r.error === 'ECONNREFUSED') refused = true;
    }
  };
  const clients = Array.from({ length: 12 }, (_, i) => client(i));
  // Load until a dozen writes have succeeded (at most 10 s), then the signal.
  for (let i = 0; i < 100 && reqs.filter((r) => r.status >= 200 && r.status < 300).length < 12; i++) await sleep(100);
  killedAt = Date.now();
  b.child.kill('SIGTERM');
  let timer;
  const exit = await Promise.race([b.exitPromise, new Promise((ok) => { timer = setTimeout(() => ok(null), 30000); })]);
  clearTimeout(timer);
  const exitedAt = Date.now();
  refused = true;
  await Promise.all(clients);

  const inFlight = reqs.filter((r) => r.sent && r.sentAt < killedAt && (r.t1 >= killedAt));
  const answered = reqs.filter((r) => r.status !== null && r.complete);
  const half = reqs.filter((r) => r.status !== null && !r.complete);
  const cut = reqs.filter((r) => r.connected && r.status === null);
  const never = reqs.filter((r) => !r.connected);
  const ok2xx = answered.filter((r) => r.status >= 200 && r.status < 300);

  const rows = await sql("SELECT request_id, count(*)::int AS n FROM bdg.audit WHERE request_id LIKE :'p' || '-%' GROUP BY request_id", { p: RUN });
  const audit = new Map(rows.map((x) => [x.request_id, x.n]));
  const byRid = new Map(reqs.map((r) => [r.rid, r]));
  const missing = ok2xx.filter((r) => audit.get(r.rid) !== (r.bulk ? 100 : 1));
  const unanswered = [...audit.keys()].filter((rid) => {
    const r = byRid.get(rid);
    return !r || !(r.status >= 200 && r.status < 300 && r.complete);
  });
  const statuses = answered.reduce((m, r) => ((m[r.status] = (m[r.status] || 0) + 1), m), {});
  console.log(`shutdown: ${reqs.length} requests (${reqs.filter((r) => r.bulk).length} bulk of 100); answered ${JSON.stringify(statuses)}, ` +
    `${half.length} half-written, ${cut.length} cut without an answer, ${never.length} refused; ${inFlight.length} in flight at SIGTERM, ` +
    `${inFlight.filter((r) => r.complete).length} of them answered completely (the slowest ${Math.max(0, ...inFlight.map((r) => r.t1 - killedAt))} ms after the signal); ` +
    `bdgd exited ${JSON.stringify(exit)} ${exitedAt - killedAt} ms after SIGTERM; audit rows of ${audit.size} request ids, ` +
    `${missing.length} 2xx writes missing, ${unanswered.length} committed writes without a complete 2xx answer`);

  R = { exit, b, inFlight, half, missing, unanswered, audit, byRid, ok2xx };
}

before(async () => {
  t = await makeTree();
  await scenario();
});

test('SIGTERM under load: bdgd exits 0, no answer half written, every 2xx write is in the database', () => {
  const { exit, b, half, missing, audit, ok2xx } = R;
  assert.deepEqual(exit, { code: 0, signal: null }, `bdgd's exit: ${b.stderr().slice(-800)}`);
  assert.deepEqual(half.map((r) => `${r.rid}: ${r.status}, ${r.bytes} bytes`), [], 'no answer half written');
  assert.deepEqual(missing.map((r) => `${r.rid}: ${audit.get(r.rid) || 0} audit rows`), [], 'every 2xx write is in the database');
  assert.ok(ok2xx.length >= 12, 'writes succeeded before the signal');
});

test('SIGTERM under load: the requests in flight are answered; no write is committed without its answer', {
  }, () => {
  const { inFlight, unanswered, byRid } = R;
  assert.ok(inFlight.length > 0, 'requests were in flight at SIGTERM');
  assert.deepEqual(inFlight.filter((r) => !r.complete).map((r) => `${r.rid} ${r.why} ${r.error} ${r.bytes} bytes`), [],
    'every request in flight at SIGTERM is answered');
  assert.deepEqual(unanswered.map((rid) => `${rid}: ${JSON.stringify(byRid.get(rid) && { status: byRid.get(rid).status, why: byRid.get(rid).why })}`), [],
    'no write committed without its answer');
});
