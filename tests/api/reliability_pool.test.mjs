// reliability_pool.test.mjs: waiting for a database connection is first
// come, first served (lib/db.c: db_release hands the connection to the
// oldest waiter). A bdgd of its own on the shared cluster with a pool of
// ONE connection; a psql session holds a row lock, so that a PATCH of that
// unit keeps the only connection while it waits for the lock. Then:
//   * A, queued first, waits the pool's 3 s and gets 503 busy with
//     Retry-After, while the connection is still held;
//   * B and C, queued later, are served after the lock goes, B before C,
//     though A left the line from its head while they waited behind it;
//   * the PATCH completes (the name is in the database);
//   * 24 requests at once afterwards are all answered 200: the line is
//     sound after a waiter left it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';

import { assertProblem, BDGD, makeTree, pgTarget, SECRET, sql, sleep } from './lib.mjs';
import { startSharedBdgd } from '../soak/harness.mjs';

let b;
before(async () => {
  b = await startSharedBdgd({ bdgd: BDGD, target: pgTarget(), secret: SECRET, env: { BDG_POOL_SIZE: '1', BDG_STATEMENT_TIMEOUT_MS: '20000' } });
});
after(async () => {
  if (b) await b.stop();
});

// A psql session that takes a row lock on unit `code` and keeps it until
// release() (COMMIT).
async function holdUnitLock(code) {
  const { host, port } = pgTarget();
  const child = spawn('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', 'bdg', '-d', 'bdg'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((ok) => child.on('exit', ok));
  child.stdin.write(`BEGIN; SELECT 'locked:' || count(*) FROM (SELECT 1 FROM bdg.unit WHERE code = '${code}' FOR UPDATE) t;\n`);
  for (let t0 = Date.now(); !out.includes('locked:1'); await sleep(20)) {
    assert.ok(Date.now() - t0 < 10000, `psql did not take the lock: ${out} ${err}`);
  }
  return {
    async release() {
      child.stdin.end('COMMIT;\n');
      assert.equal(await exited, 0, err);
    },
  };
}

test('a pool of one: the first waiter times out with 503 busy, the later ones are served in arrival order, the line stays sound', async () => {
  const t = await makeTree();
  const H = { Authorization: `Bearer ${t.admin}`, 'Content-Type': 'application/json' };
  const call = async (name, method, path, body, headers = {}) => {
    const t0 = Date.now();
    const res = await fetch(`${b.url}/api/v1${path}`, { method, headers: { ...H, ...headers }, body: body && JSON.stringify(body), signal: AbortSignal.timeout(30000) });
    const text = await res.text();
    let parsed = null;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { name, t0, t1: Date.now(), status: res.status, text, body: parsed, headers: res.headers };
  };
  // Warm: the connection is open and the token verified.
  assert.equal((await call('warm', 'GET', `/units/${t.B1}`)).status, 200);

  const lock = await holdUnitLock(t.A2);
  const patch = call('P', 'PATCH', `/units/${t.A2}`, { name: 'Phòng Nội vụ (chờ khóa)' }, { 'If-Match': '"1"' });
  await sleep(300);
  const a = call('A', 'GET', `/units/${t.B1}`);
  await sleep(1500);
  const bReq = call('B', 'GET', `/units/${t.B}`);
  await sleep(100);
  const cReq = call('C', 'GET', `/units/${t.A1}`);
  const ra = await a;
  // A left the head of the line; B and C still wait behind the held connection.
  await sleep(500);
  await lock.release();
  const [rp, rb, rc] = await Promise.all([patch, bReq, cReq]);

  const pa = assertProblem({ ...ra, headers: ra.headers }, 503, { type: 'busy' });
  assert.ok(ra.headers.get('retry-after'), 'a busy answer says when to retry');
  assert.ok(ra.t1 - ra.t0 >= 2800, `A waited the pool's 3 s, not ${ra.t1 - ra.t0} ms: ${pa.detail}`);
  assert.ok(ra.t1 < rb.t1, 'A was answered while the connection was still held');
  assert.equal(rp.status, 200, rp.text);
  assert.equal(rb.status, 200, rb.text);
  assert.equal(rc.status, 200, rc.text);
  assert.equal(rb.body.code, t.B);
  assert.equal(rc.body.code, t.A1);
  assert.ok(rb.t1 <= rc.t1, `B (queued first) was served before C: B at ${rb.t1 - rb.t0} ms, C at ${rc.t1 - rc.t0} ms`);
  assert.ok(rp.t1 <= rb.t1, 'the PATCH held the connection until its lock came');
  const rows = await sql(`SELECT name FROM bdg.unit WHERE code = :'c'`, { c: t.A2 });
  assert.deepEqual(rows, [{ name: 'Phòng Nội vụ (chờ khóa)' }]);

  const burst = await Promise.all(Array.from({ length: 24 }, (_, i) => call(`burst${i}`, 'GET', `/units/${[t.B1, t.B, t.A1, t.A2][i % 4]}`)));
  assert.deepEqual(burst.map((r) => r.status), Array(24).fill(200), burst.find((r) => r.status !== 200)?.text);
});
