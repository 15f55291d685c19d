// security_injection.test.mjs: SQL metacharacters ('; DROP TABLE, $$,
// backslashes, quotes, comments, casts, NUL escapes) and the syntax of the
// extensions bdg queries through (ltree: *.A.*, @, |, !, {}; LIKE: %, _;
// unaccent, array literals) in every text field of every resource (POST,
// PATCH, bulk), every filter of every list, every path parameter, and the
// headers that reach SQL (Idempotency-Key, X-Request-Id, If-Match).
// Expected: no 5xx; a stored value reads back (API and psql) exactly as
// sent; a search finds only the literal text (q=% finds only names with a
// %); nothing else changes (the audit log has only our writes); and no
// answer carries SQL text or internal names (ERROR:, syntax, SQLSTATE, PQ…,
// bdg.<name>, constraint names, "relation", "LINE n:").
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { api, makeTree, sql, token } from './lib.mjs';

const THIS_YEAR = new Date(Date.now() + 7 * 3600 * 1000).getUTCFullYear();
const Y = String(THIS_YEAR);
const as = (role, unit) => token({ sub: `inj-${role}-${unit}`, unit, role, ttl: 1800 });

const PAYLOADS = [
  "'; DROP TABLE bdg.unit; --",
  "' OR '1'='1",
  "x' UNION SELECT code FROM bdg.unit --",
  '$$; SELECT pg_sleep(3); $$',
  '$1::text',
  '\\',
  "\\'; SELECT 1; --",
  '"quoted" and `back`',
  '/* comment */ --',
  "E'\\x41'",
  ":'x' :x",
  '1; SELECT 1',
  '*.A.*',
  'A.*{1,2}|B@!C',
  '!A & B | C',
  '{a,b}',
  '%',
  '_',
  '100% nữ_thử',
  'unaccent(x) || ltree',
  "Tỉnh 'Thừa Thiên' Huế; --",
  '%00 %27 %22',
];
const NUL = 'a\u0000b';

// What an answer must never carry (after the payloads it echoes are removed).
const LEAKS = [
  /ERROR:/, /syntax error/i, /SQLSTATE/, /\bPQ[a-z]+/, /\bbdg\.[a-z_]+/, /\bpg_[a-z_]+/, /relation "/, /column "/,
  /LINE \d+:/, /at character \d+/, /does not exist/, /\b(unit|plan|activity|report|indicator|target)_[a-z_]+_(length|format|enum|range|unique|items|order|fkey|pkey|key|required|status|self|nonnegative|positive)\b/,
  /invalid input syntax/, /malformed array literal/, /ltree/, /lquery/, /unaccent/, /plpgsql/, /CONTEXT:/,
];

const stats = { requests: 0, fiveXX: [], leaks: [] };

function check(res, what, payloads = PAYLOADS) {
  stats.requests++;
  if (res.status >= 500) stats.fiveXX.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
  let text = res.text;
  // The problem's instance is the request path (percent-encoded): not an answer's text.
  if (res.body && typeof res.body === 'object' && typeof res.body.instance === 'string') {
    text = text.split(JSON.stringify(res.body.instance)).join('""');
  }
  for (const p of [...payloads, NUL].sort((a, b) => b.length - a.length)) {
    text = text.split(p).join('').split(JSON.stringify(p).slice(1, -1)).join('');
  }
  for (const re of LEAKS) {
    if (re.test(text)) stats.leaks.push(`${what}: ${res.status} matches ${re}: ${text.slice(0, 300)}`);
  }
  return res;
}
const get = (path, tok, what) => api('GET', path, { token: tok, validate: false }).then((r) => check(r, what || `GET ${path}`));
const fold = (s) => s.replace(/[đĐ]/g, 'd').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ');
const matches = (name, q) => fold(q).split(' ').filter(Boolean).every((w) => fold(name).includes(w));

let t;
let plan;         // draft plan of t.A with an activity
let issued;       // issued plan of t.A, recipient A1
let report;       // draft report of A1 on issued
let activity;
let rev0;
const units = new Map();    // code -> name written
let indicatorCode;

before(async () => {
  t = await makeTree();
  rev0 = (await sql('SELECT max(revision) AS r FROM bdg.audit'))[0].r;
  const ed = as('editor', t.A);
  const p = await api('POST', '/plans', { token: ed, body: { unit: t.A, year: THIS_YEAR, title: 'Kế hoạch thử' } });
  assert.equal(p.status, 201, p.text);
  plan = p.body.id;
  const a = await api('POST', `/plans/${plan}/activities`, { token: ed, body: { section: 'II.1', title: 'Hoạt động' } });
  assert.equal(a.status, 201, a.text);
  activity = a.body.id;
  const q = await api('POST', '/plans', { token: ed, body: { unit: t.A, year: THIS_YEAR, title: 'Kế hoạch ban hành', recipients: [t.A1], reporting: [{ period: Y, due_on: `${Y}-12-01` }] } });
  issued = q.body.id;
  assert.equal((await api('POST', `/plans/${issued}/activities`, { token: ed, body: { section: 'II.1', title: 'Hoạt động' } })).status, 201);
  assert.equal((await api('POST', `/plans/${issued}/issue`, { token: as('approver', t.A), body: {}, headers: { 'If-Match': '*' } })).status, 200);
  const r = await api('POST', '/reports', { token: as('editor', t.A1), body: { plan: issued, unit: t.A1, period: Y }, validate: false });
  assert.equal(r.status, 201, r.text);
  report = r.body.id;
  indicatorCode = `${t.prefix}-INJ`;
  const ind = await api('POST', '/indicators', { token: as('admin', t.root), body: { code: indicatorCode, name: 'Chỉ tiêu thử', measure: 'count', aggregation: 'sum' } });
  assert.equal(ind.status, 201, ind.text);
});

describe('payloads in every text field are stored and read back literally', () => {
  test('units: POST, PATCH and bulk names; psql shows the literal', async () => {
    const admin = as('admin', t.root);
    for (const [i, p] of PAYLOADS.entries()) {
      const code = `${t.prefix}-I${i}`;
      const res = check(await api('POST', '/units', { token: admin, body: { code, name: p, kind: 'other', parent: t.A } }), `POST unit ${p}`);
      assert.equal(res.status, 201, `${p}: ${res.text.slice(0, 200)}`);
      assert.equal(res.body.name, p);
      units.set(code, p);
      const patched = check(await api('PATCH', `/units/${code}`, { token: admin, headers: { 'If-Match': '*' }, body: { name: `${p} ${p}` } }), `PATCH unit ${p}`);
      assert.equal(patched.body.name, `${p} ${p}`);
      const back = check(await api('PATCH', `/units/${code}`, { token: admin, headers: { 'If-Match': '*' }, body: { name: p } }), `PATCH back ${p}`);
      assert.equal(back.status, 200);
    }
    const bulkItems = PAYLOADS.map((p, i) => ({ code: `${t.prefix}-J${i}`, name: `bulk ${p}`, kind: 'other', parent: t.B }));
    const b = check(await api('POST', '/bulk', { token: admin, body: { units: bulkItems } }), 'bulk');
    assert.equal(b.status, 200, b.text.slice(0, 300));
    for (const it of bulkItems) units.set(it.code, it.name);
    const rows = await sql("SELECT code, name FROM bdg.unit WHERE code LIKE :'p' || '-%' AND code ~ '-[IJ][0-9]+$'", { p: t.prefix });
    assert.equal(rows.length, units.size);
    for (const r of rows) assert.equal(r.name, units.get(r.code), `psql: ${r.code}`);
    // bad codes are refused by their format, never reach SQL as anything but a value
    for (const p of PAYLOADS) {
      const res = check(await api('POST', '/units', { token: admin, body: { code: p, name: 'x', kind: 'other', parent: t.A } }), `POST code ${p}`);
      assert.equal(res.status, 422, `${p}: ${res.status}`);
      const res2 = check(await api('POST', '/units', { token: admin, body: { code: `${t.prefix}-K`, name: 'x', kind: p, parent: p } }), `POST kind/parent ${p}`);
      assert.equal(res2.status, 422);
    }
    const nul = check(await api('POST', '/units', { token: admin, body: { code: `${t.prefix}-NUL`, name: NUL, kind: 'other', parent: t.A } }), 'NUL');
    assert.equal(nul.status, 400);
  });

  test('plans, activities, reports, indicators: every text field takes the payloads literally', async () => {
    const ed = as('editor', t.A);
    for (const p of PAYLOADS) {
      const body = {
        unit: t.A, year: THIS_YEAR, title: p, place: p, funding: p, signer: p, signer_title: p, legal_bases: [p, p.toUpperCase()], objectives: [p],
      };
      const res = check(await api('POST', '/plans', { token: ed, body }), `POST plan ${p}`);
      assert.equal(res.status, 201, `${p}: ${res.text.slice(0, 200)}`);
      const row = (await sql('SELECT title, place, funding, signer, signer_title, legal_bases, objectives FROM bdg.plan WHERE id = :id', { id: res.body.id }))[0];
      assert.deepEqual(row, { title: p, place: p, funding: p, signer: p, signer_title: p, legal_bases: [p, p.toUpperCase()], objectives: [p] });
      const num = check(await api('POST', '/plans', { token: ed, body: { unit: t.A, year: THIS_YEAR, title: 'x', number: p } }), `plan number ${p}`);
      assert.equal(num.status, 422, `number ${p}: ${num.status}`);
      const act = check(await api('POST', `/plans/${plan}/activities`, { token: ed, body: { section: 'II.2', title: p, description: p } }), `POST activity ${p}`);
      assert.equal(act.status, 201, act.text.slice(0, 200));
      const arow = (await sql('SELECT title, description FROM bdg.activity WHERE id = :id', { id: act.body.id }))[0];
      assert.deepEqual(arow, { title: p, description: p });
      const sec = check(await api('POST', `/plans/${plan}/activities`, { token: ed, body: { section: p, title: 'x' } }), `activity section ${p}`);
      assert.equal(sec.status, 422);
      const rep = check(await api('PATCH', `/reports/${report}`, { token: as('editor', t.A1), headers: { 'If-Match': '*' }, body: { results: p, difficulties: p, recommendations: p }, validate: false }), `PATCH report ${p}`);
      assert.equal(rep.status, 200, rep.text.slice(0, 200));
      const rrow = (await sql('SELECT results, difficulties, recommendations FROM bdg.report WHERE id = :id', { id: report }))[0];
      assert.deepEqual(rrow, { results: p, difficulties: p, recommendations: p });
      const ind = check(await api('PATCH', `/indicators/${indicatorCode}`, { token: as('admin', t.root), headers: { 'If-Match': '*' }, body: { name: p, description: p, source: p, unit_of_measure: p.slice(0, 50) } }), `PATCH indicator ${p}`);
      assert.equal(ind.status, 200, ind.text.slice(0, 200));
      const irow = (await sql("SELECT name, description, source, unit_of_measure FROM bdg.indicator WHERE code = :'c'", { c: indicatorCode }))[0];
      assert.deepEqual(irow, { name: p, description: p, source: p, unit_of_measure: p.slice(0, 50) });
      // Coded fields (unit and indicator codes, enums, periods, ids): refused, never run.
      for (const [method, path, b, who] of [
        ['POST', `/units/${t.A2}/merge`, { into: p, on: p }, as('admin', t.A)],
        ['POST', `/reports/${report}/return`, { reason: p }, as('approver', t.A)],
        ['POST', `/plans/${issued}/supersede`, { by: p }, as('approver', t.A)],
        ['PUT', `/plans/${plan}/targets`, { targets: [{ indicator: p, unit: p, sex: p, target: 1 }] }, ed],
        ['POST', '/plans', { unit: p, year: THIS_YEAR, title: 'x' }, ed],
        ['POST', '/plans', { unit: t.A, year: THIS_YEAR, title: 'x', recipients: [p], reporting: [{ period: p, due_on: p }], type: p }, ed],
        ['POST', '/reports', { plan: issued, unit: t.A1, period: p }, as('editor', t.A1)],
        ['PATCH', `/reports/${report}`, { values: [{ indicator: p, sex: p, value: 1 }], activity_results: [{ activity: 1, status: p }] }, as('editor', t.A1)],
        ['PATCH', `/activities/${activity}`, { status: p, category: p, lead_unit: p, coordinating_units: [p], starts_on: p }, ed],
        ['POST', '/indicators', { code: p, name: 'x', measure: p, aggregation: p, numerator: p }, as('admin', t.root)],
        ['POST', '/bulk?dry_run=true', { units: [{ code: p, name: 'x', kind: p, parent: p, successor: p }] }, as('admin', t.root)],
      ]) {
        const r = check(await api(method, path, { token: who, headers: { 'If-Match': '*' }, body: b, validate: false }), `${method} ${path} ${p}`);
        assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} ${p}: ${r.status} ${r.text.slice(0, 150)}`);
      }
    }
  });

  test('the payloads were values, never statements: tables intact, only our writes in the audit log, no delay', async () => {
    const tables = await sql("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'bdg'");
    assert.ok(tables[0].n >= 10);
    const others = await sql("SELECT count(*)::int AS n FROM bdg.audit WHERE revision > :'r' AND actor_sub NOT LIKE 'inj-%' AND actor_sub NOT LIKE 'admin-%' AND key LIKE :'p' || '%'", { r: rev0, p: t.prefix });
    assert.equal(others[0].n, 0);
    const t0 = Date.now();
    check(await api('POST', '/units', { token: as('admin', t.root), body: { code: `${t.prefix}-SLEEP`, name: "'); SELECT pg_sleep(5); --", kind: 'other', parent: t.A } }), 'sleep');
    assert.ok(Date.now() - t0 < 3000, 'pg_sleep never ran');
  });
});

describe('payloads in every filter and path parameter', () => {
  test('searches find only the literal text: q=% only names with %, q=_ only names with _', async () => {
    const v = as('viewer', t.root);
    const mine = (items) => items.map((u) => u.code).filter((c) => units.has(c)).sort();
    for (const p of PAYLOADS) {
      const res = await get(`/units?q=${encodeURIComponent(p)}&limit=500`, v);
      assert.equal(res.status, 200, `${p}: ${res.text.slice(0, 200)}`);
      const want = [...units.entries()].filter(([, name]) => matches(name, p)).map(([c]) => c).sort();
      assert.deepEqual(mine(res.body.items), want, `q=${p}`);
    }
    const pct = await get('/units?q=%25&limit=500', v);
    assert.deepEqual(mine(pct.body.items).map((c) => units.get(c)).sort(),
      [...units.values()].filter((n) => n.includes('%')).sort(), 'q=% is a literal %');
    const us = await get('/units?q=_&limit=500', v);
    assert.ok(mine(us.body.items).every((c) => units.get(c).includes('_')), 'q=_ is a literal _');
  });

  test('every filter of every list and every path parameter: no 5xx, no SQL in the answer', async () => {
    const v = as('admin', t.root);
    const e = encodeURIComponent;
    const filters = {
      '/units': ['q', 'under', 'parent', 'kind', 'active_on', 'after'],
      '/plans': ['q', 'unit', 'under', 'year', 'status', 'type', 'parent_plan', 'after'],
      '/activities': ['plan', 'category', 'lead_unit', 'unit', 'status', 'from', 'to', 'under', 'after'],
      '/reports': ['plan', 'unit', 'under', 'period', 'status', 'overdue', 'as_of', 'q', 'after'],
      '/reports/overdue': ['under', 'as_of', 'after'],
      '/indicators': ['measure', 'aggregation', 'sex_disaggregated', 'active', 'q', 'after'],
      '/changes': ['since', 'types', 'under', 'limit'],
      '/audit': ['resource', 'id', 'key', 'actor', 'from', 'to', 'after', 'limit'],
      [`/units/${t.root}/rollup?period=${Y}&indicator=${indicatorCode}`]: ['include', 'plan'],
      [`/units/${t.root}/rollup?period=${Y}`]: ['indicator'],
      [`/units/${t.root}/rollup?indicator=${indicatorCode}`]: ['period'],
      [`/units/${t.root}/completeness`]: ['period'],
      [`/plans/${issued}/completeness`]: ['period'],
      [`/plans/${plan}/activities`]: ['after'],
      [`/units/${t.root}/children`]: ['after'],
    };
    const jobs = [];
    for (const [path, names] of Object.entries(filters)) {
      for (const name of names) {
        for (const p of [...PAYLOADS, 'unit,', 'unit,plan}', '{unit}', '1,2}', NUL]) {
          jobs.push([`${path}${path.includes('?') ? '&' : '?'}${name}=${e(p)}`, `${path} ${name}=${p}`]);
        }
      }
    }
    const paths = ['/units/{}', '/units/{}/children', '/units/{}/ancestors', '/units/{}/completeness', `/units/{}/rollup?indicator=${indicatorCode}&period=${Y}`,
      '/plans/{}', '/plans/{}/tree', '/plans/{}/document', '/plans/{}/activities', '/plans/{}/targets', '/plans/{}/children',
      '/activities/{}', '/reports/{}', '/reports/{}/document', '/indicators/{}'];
    for (const tpl of paths) for (const p of PAYLOADS) jobs.push([tpl.replace('{}', e(p)), `${tpl} {${p}}`]);
    let i = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (i < jobs.length) {
        const [path, what] = jobs[i++];
        await get(path, v, what);
      }
    }));
    // The types= array literal: a trailing comma must be a 400, not a malformed literal.
    const tr = await get('/changes?types=unit,', v);
    assert.ok(tr.status === 400 || tr.status === 200, `types=unit,: ${tr.status}`);
    console.log(`injection: ${jobs.length} filter and path requests`);
  });

  test('headers that reach SQL: Idempotency-Key, X-Request-Id, If-Match', async () => {
    const admin = as('admin', t.root);
    for (const [i, p] of PAYLOADS.entries()) {
      const key = p.replace(/[^\x20-\x7e]/g, '?');
      const body = { code: `${t.prefix}-H${i}`, name: 'Đơn vị', kind: 'other', parent: t.A };
      const a = check(await api('POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': key, 'X-Request-Id': key } }), `Idempotency-Key ${p}`);
      const b = check(await api('POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': key } }), `Idempotency-Key replay ${p}`);
      assert.equal(a.status, 201, a.text.slice(0, 200));
      assert.equal(b.status, 201);
      assert.equal(b.headers.get('idempotent-replayed'), 'true');
      if (/[^A-Za-z0-9._-]/.test(key)) assert.notEqual(a.headers.get('x-request-id'), key, 'an unsafe request id is replaced');
      const m = check(await api('PATCH', `/units/${body.code}`, { token: admin, body: { name: 'x' }, headers: { 'If-Match': key } }), `If-Match ${p}`);
      assert.equal(m.status, 412, `If-Match ${p}: ${m.status}`);
    }
    const keys = await sql("SELECT count(*)::int AS n FROM bdg.idempotency WHERE actor = :'a'", { a: `inj-admin-${t.root}` });
    assert.equal(keys[0].n, PAYLOADS.length, 'one stored key per payload, each the literal');
  });

  test('no 5xx, no SQL text or internal name in any answer', () => {
    console.log(`injection: ${PAYLOADS.length} payloads, ${stats.requests} requests, ${stats.fiveXX.length} 5xx, ${stats.leaks.length} answers with SQL text`);
    assert.deepEqual(stats.fiveXX, [], stats.fiveXX.join('\n  '));
    assert.deepEqual(stats.leaks, [], stats.leaks.slice(0, 30).join('\n  '));
  });
});
