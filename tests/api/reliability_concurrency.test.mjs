// reliability_concurrency.test.mjs: no update is lost, no create doubled.
//   * lost updates: 16 clients increment one counter (the number at the end
//     of a unit's name) by read (ETag) → PATCH with If-Match, retrying on
//     412. The final value equals the number of 200s, the version is one
//     more than that, and the audit log holds exactly one 'update' per
//     success, with the values 1, 2, … in revision order. A client that
//     gets 412 reads again after a short random pause (exponential, at most
//     64 ms). In ./dev test
//     each client makes 50 increments (16 x 50 = 800, to stay within the
//     time budget); ./dev soak (tests/soak/soak.mjs) runs the full 16 x 200
//     against its own bdgd, and BDG_RELIABILITY_FULL=1 makes this test the
//     full size too. A second counter does the same with PUT on a plan's
//     title (8 clients).
//   * idempotency: 500 Idempotency-Keys, each POST /units sent 5 times at
//     once (100 requests in flight): exactly 500 units, 500 'create'
//     revisions and 500 stored keys; the 5 answers of a key are the same
//     201 with the same unit (4 of them replays). A 503 (pool busy) is
//     retried like any client would, with the same key.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { api, makeTree, sql, token } from './lib.mjs';

const FULL = process.env.BDG_RELIABILITY_FULL === '1';
const CLIENTS = 16;
const PER_CLIENT = FULL ? 200 : 50;
// In ./dev test the counter stops at 16 x 50 or after 25 s, whichever comes
// first (a loaded machine), and checks what it did: the invariant (final =
// successes = audit rows) does not depend on the count.
const BUDGET_MS = FULL ? Infinity : 25000;
const THIS_YEAR = new Date(Date.now() + 7 * 3600 * 1000).getUTCFullYear();
const as = (role, unit, sub) => token({ sub: sub || `rc-${role}-${unit}`, unit, role, ttl: 3600 });

let t;
before(async () => {
  t = await makeTree();
});

async function counter({ clients, perClient, read, write, parse, deadline = Infinity }) {
  let successes = 0;
  let conflicts = 0;
  const errors = [];
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    let mine = 0;
    let tries = 0;
    let streak = 0;
    while (mine < perClient && Date.now() < deadline) {
      if (++tries > perClient * 200) {
        errors.push(`client ${c}: no progress after ${tries} tries`);
        return;
      }
      const cur = await read();
      if (cur.status !== 200) {
        errors.push(`client ${c}: read ${cur.status} ${cur.text.slice(0, 120)}`);
        if (cur.status < 500) return;
        continue;
      }
      const n = parse(cur.body);
      const res = await write(cur, n + 1);
      if (res.status === 200) {
        mine++;
        successes++;
        streak = 0;
      } else if (res.status === 412) {
        // Someone else won: read again after a short random pause, as a
        // client should (it keeps 16 clients from spending the server on
        // writes that cannot win).
        conflicts++;
        streak++;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(64, 2 ** streak)));
      } else {
        errors.push(`client ${c}: write ${res.status} ${res.text.slice(0, 120)}`);
        if (res.status < 500) return;
      }
    }
  }));
  return { successes, conflicts, errors };
}

describe('lost updates', () => {
  test(`${CLIENTS} clients x ${PER_CLIENT} increments with If-Match (PATCH on a unit): the final value is the number of successes`, async () => {
    const code = t.A1;
    const admin = as('admin', t.root);
    const start = await api('PATCH', `/units/${code}`, { token: admin, headers: { 'If-Match': '*' }, body: { name: 'Bộ đếm 0' } });
    assert.equal(start.status, 200, start.text);
    const v0 = start.body.version;
    const rev0 = (await sql('SELECT max(revision) AS r FROM bdg.audit'))[0].r;
    const t0 = Date.now();
    const r = await counter({
      clients: CLIENTS,
      perClient: PER_CLIENT,
      deadline: t0 + BUDGET_MS,
      read: () => api('GET', `/units/${code}`, { token: admin, validate: false }),
      parse: (doc) => Number(/(\d+)$/.exec(doc.name)[1]),
      write: (cur, next) => api('PATCH', `/units/${code}`, {
        token: admin, headers: { 'If-Match': cur.headers.get('etag') }, body: { name: `Bộ đếm ${next}` }, validate: false,
      }),
    });
    const ms = Date.now() - t0;
    assert.deepEqual(r.errors, []);
    const end = await api('GET', `/units/${code}`, { token: admin });
    const final = Number(/(\d+)$/.exec(end.body.name)[1]);
    console.log(`concurrency: unit counter: ${r.successes} increments by ${CLIENTS} clients, ${r.conflicts} answered 412 and retried, ` +
      `final value ${final}, version ${end.body.version}, ${ms} ms (${FULL ? 'full' : 'reduced'} size)`);
    assert.ok(r.successes >= Math.min(CLIENTS * PER_CLIENT, CLIENTS * 10), `progress: ${r.successes} increments`);
    if (FULL) assert.equal(r.successes, CLIENTS * PER_CLIENT);
    assert.equal(final, r.successes, 'no increment lost, none doubled');
    assert.equal(end.body.version, v0 + r.successes);
    const audit = await sql("SELECT after->>'name' AS name FROM bdg.audit WHERE revision > :'r' AND resource = 'unit' AND key = :'c' ORDER BY revision",
      { r: rev0, c: code });
    assert.equal(audit.length, r.successes, 'one audit row per success');
    audit.forEach((a, i) => assert.equal(a.name, `Bộ đếm ${i + 1}`, `revision ${i + 1} of the counter`));
  });

  test('8 clients x 10 increments of a plan title with PUT and If-Match', async () => {
    const ed = as('editor', t.A);
    const p = await api('POST', '/plans', { token: ed, body: { unit: t.A, year: THIS_YEAR, title: 'Kế hoạch lần 0' } });
    assert.equal(p.status, 201, p.text);
    const id = p.body.id;
    const r = await counter({
      clients: 8,
      perClient: 10,
      deadline: Date.now() + (FULL ? Infinity : 8000),
      read: () => api('GET', `/plans/${id}`, { token: ed, validate: false }),
      parse: (doc) => Number(/(\d+)$/.exec(doc.title)[1]),
      write: (cur, next) => api('PUT', `/plans/${id}`, {
        token: ed, headers: { 'If-Match': cur.headers.get('etag') }, body: { ...cur.body, title: `Kế hoạch lần ${next}` }, validate: false,
      }),
    });
    assert.deepEqual(r.errors, []);
    const row = (await sql('SELECT title, version FROM bdg.plan WHERE id = :id', { id }))[0];
    console.log(`concurrency: plan title counter: ${r.successes} increments, ${r.conflicts} 412 retried, final "${row.title}", version ${row.version}`);
    assert.equal(row.title, `Kế hoạch lần ${r.successes}`);
    assert.equal(row.version, 1 + r.successes);
  });
});

describe('If-Match: *', () => {
  test('16 clients x 20 PATCH with If-Match: * on one unit: never 412 (the resource exists, any version matches)', async () => {
    const admin = as('admin', t.root);
    const st = {};
    await Promise.all(Array.from({ length: 16 }, async (_, c) => {
      for (let i = 0; i < 20; i++) {
        const r = await api('PATCH', `/units/${t.A2}`, { token: admin, headers: { 'If-Match': '*' }, body: { name: `Tên ${c}-${i}` }, validate: false });
        st[r.status] = (st[r.status] || 0) + 1;
      }
    }));
    console.log(`concurrency: PATCH If-Match: * x 320 concurrently: ${JSON.stringify(st)}`);
    assert.deepEqual(st, { 200: 320 });
  });
});

describe('idempotency', () => {
  test('500 keys, each sent 5 times at once: exactly 500 units, 500 creates, identical answers', async () => {
    const KEYS = 500;
    const COPIES = 5;
    const sub = `rc-idem-${t.prefix}`;
    const admin = as('admin', t.root, sub);
    const answers = new Map();
    let busy = 0;
    let inFlightKeys = 20;
    const rev0 = (await sql('SELECT max(revision) AS r FROM bdg.audit'))[0].r;
    const t0 = Date.now();
    let next = 0;
    async function send(k) {
      const body = { code: `${t.prefix}-ID${k}`, name: `Đơn vị ${k}`, kind: 'other', parent: t.B };
      for (let attempt = 0; attempt < 20; attempt++) {
        const res = await api('POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': `key-${t.prefix}-${k}` }, validate: false });
        if (res.status === 503 || res.status === 409) {       // busy, or the first copy still in progress: retry
          busy++;
          await new Promise((r) => setTimeout(r, 20 + 30 * attempt));
          continue;
        }
        return { status: res.status, body: res.text, replayed: res.headers.get('idempotent-replayed') === 'true', location: res.headers.get('location') };
      }
      return { status: 'gave up' };
    }
    await Promise.all(Array.from({ length: inFlightKeys }, async () => {
      while (next < KEYS) {
        const k = next++;
        answers.set(k, await Promise.all(Array.from({ length: COPIES }, () => send(k))));
      }
    }));
    const ms = Date.now() - t0;
    let replays = 0;
    for (const [k, list] of answers) {
      for (const a of list) assert.equal(a.status, 201, `key ${k}: ${a.status} ${a.body?.slice(0, 120)}`);
      const first = list[0];
      for (const a of list) {
        assert.equal(a.body, first.body, `key ${k}: every copy answers the same document`);
        assert.equal(a.location, first.location);
      }
      const fresh = list.filter((a) => !a.replayed).length;
      assert.equal(fresh, 1, `key ${k}: exactly one copy did the work, ${fresh} did`);
      replays += list.length - fresh;
    }
    const units = await sql("SELECT count(*)::int AS n FROM bdg.unit WHERE code LIKE :'p' || '-ID%'", { p: t.prefix });
    const creates = await sql("SELECT count(*)::int AS n FROM bdg.audit WHERE revision > :'r' AND op = 'create' AND key LIKE :'p' || '-ID%'", { r: rev0, p: t.prefix });
    const keys = await sql("SELECT count(*)::int AS n FROM bdg.idempotency WHERE actor = :'a'", { a: sub });
    console.log(`concurrency: idempotency: ${KEYS} keys x ${COPIES} copies = ${KEYS * COPIES} requests in ${ms} ms, ` +
      `${units[0].n} units, ${creates[0].n} create revisions, ${replays} replays, ${busy} busy/in-progress answers retried`);
    assert.equal(units[0].n, KEYS);
    assert.equal(creates[0].n, KEYS);
    assert.equal(keys[0].n, KEYS);
    void inFlightKeys;
  });
});
