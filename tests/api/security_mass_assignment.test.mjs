// security_mass_assignment.test.mjs: what a body cannot change. id,
// version, status, created_at/updated_at, the global revision, the issuing
// unit of an issued (or draft) plan, the plan of an activity, the unit,
// plan, period, addressee, due date and workflow fields of a (submitted)
// report, the code of a unit or an indicator: sent in POST, PUT, PATCH and
// bulk bodies, each is either ignored (a read-only field, answered 200/201
// with the stored value) or refused (4xx) — never 5xx — and psql shows the
// row exactly as before (or, for a create, as the server computes it).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { adminOf, api, makeTree, sql, token } from './lib.mjs';

const THIS_YEAR = new Date(Date.now() + 7 * 3600 * 1000).getUTCFullYear();
const Y = String(THIS_YEAR);
const as = (role, unit) => token({ sub: `ma-${role}-${unit}`, unit, role });
const rapi = (m, p, o = {}) => api(m, p, { ...o, validate: !p.startsWith('/reports') });

// The stored row (everything but the search text), as psql shows it.
const row = (table, where, vars) => sql(`SELECT to_jsonb(t) - 'search' AS r FROM bdg.${table} t WHERE ${where}`, vars).then((x) => x[0]?.r);
const revision = () => sql('SELECT max(revision) AS r FROM bdg.audit').then((x) => x[0].r);

let t;
let plan;         // issued plan of t.A, recipients A1, A2
let draft;        // draft plan of t.A
let act;          // an activity of draft
let sub;          // a submitted report of t.A1 on plan
let other;        // another issued plan (of t.B)
let tried = 0;

function okOrRefused(res, what) {
  tried++;
  assert.ok(res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  assert.ok([200, 201, 409, 412, 422, 400].includes(res.status), `${what}: ${res.status} ${res.text.slice(0, 300)}`);
}

before(async () => {
  t = await makeTree();
  const ed = as('editor', t.A);
  const mk = async (unit, body) => {
    const p = await api('POST', '/plans', { token: as('editor', unit), body: { unit, year: THIS_YEAR, title: 'Kế hoạch bình đẳng giới', ...body } });
    assert.equal(p.status, 201, p.text);
    const a = await api('POST', `/plans/${p.body.id}/activities`, { token: as('editor', unit), body: { section: 'II.1', title: 'Truyền thông' } });
    assert.equal(a.status, 201, a.text);
    return { id: p.body.id, act: a.body.id };
  };
  plan = await mk(t.A, { recipients: [t.A1, t.A2], reporting: [{ period: Y, due_on: `${Y}-12-01` }] });
  const iss = await api('POST', `/plans/${plan.id}/issue`, { token: as('approver', t.A), body: {}, headers: { 'If-Match': '*' } });
  assert.equal(iss.status, 200, iss.text);
  draft = await mk(t.A, {});
  act = draft.act;
  other = await mk(t.B, { recipients: [t.B1], reporting: [{ period: Y, due_on: `${Y}-12-01` }] });
  assert.equal((await api('POST', `/plans/${other.id}/issue`, { token: as('approver', t.B), body: {}, headers: { 'If-Match': '*' } })).status, 200);
  const r = await rapi('POST', '/reports', { token: as('editor', t.A1), body: { plan: plan.id, unit: t.A1, period: Y } });
  assert.equal(r.status, 201, r.text);
  const s = await rapi('POST', `/reports/${r.body.id}/submit`, { token: as('approver', t.A1) });
  assert.equal(s.status, 200, s.text);
  sub = r.body.id;
  void ed;
});

const FORGED = {
  id: 1, version: 9999, created_at: '2000-01-01T00:00:00Z', updated_at: '2000-01-01T00:00:00Z',
};

describe('units', () => {
  test('POST: id, version, created_at are ignored; revision is an unknown field (422)', async () => {
    const code = `${t.prefix}-M1`;
    const rev = await revision();
    const res = await api('POST', '/units', { token: t.admin, body: { code, name: 'Mới', kind: 'other', parent: t.root, ...FORGED } });
    okOrRefused(res, 'POST /units');
    assert.equal(res.status, 201, res.text);
    const r = await row('unit', "code = :'c'", { c: code });
    assert.notEqual(r.id, 1);
    assert.equal(r.version, 1);
    assert.notEqual(r.created_at.slice(0, 4), '2000');
    const a = await api('POST', '/units', { token: t.admin, body: { code: `${code}X`, name: 'Mới', kind: 'other', parent: t.root, revision: 1 } });
    okOrRefused(a, 'POST /units with revision');
    assert.equal(a.status, 422);
    assert.equal(await row('unit', "code = :'c'", { c: `${code}X` }), undefined);
    const audits = await sql("SELECT revision FROM bdg.audit WHERE revision > :'r' AND key = :'c'", { r: rev, c: code });
    assert.equal(audits.length, 1, 'one revision, given by the server');
  });

  test('PATCH and PUT: id, version, created_at, code, revision change nothing', async () => {
    const before = await row('unit', "code = :'c'", { c: t.A1 });
    for (const [method, body] of [
      ['PATCH', FORGED], ['PATCH', { code: `${t.A1}-X` }], ['PATCH', { revision: 1 }], ['PATCH', { path: '1' }],
      ['PUT', { code: t.A1, name: before.name, kind: before.kind, parent: t.A, ...FORGED }],
      ['PUT', { code: `${t.A1}-X`, name: before.name, kind: before.kind, parent: t.A }],
    ]) {
      const res = await api(method, `/units/${t.A1}`, { token: t.admin, headers: { 'If-Match': '*' }, body });
      okOrRefused(res, `${method} ${JSON.stringify(body)}`);
      if (res.status === 200) {
        assert.equal(res.body.version, before.version, 'nothing changed');
        assert.equal(res.body.id, before.id);
      }
    }
    assert.deepEqual(await row('unit', "code = :'c'", { c: t.A1 }), before);
  });

  test('bulk: id, version, created_at are ignored; the row keeps its id, version and created_at', async () => {
    const before = await row('unit', "code = :'c'", { c: t.A2 });
    const res = await api('POST', '/bulk', { token: t.admin, body: { units: [{ code: t.A2, name: before.name, kind: before.kind, parent: t.A, ...FORGED }] } });
    okOrRefused(res, 'bulk');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.units, { created: 0, updated: 0, unchanged: 1, rejected: 0 });
    const res2 = await api('POST', '/bulk', { token: t.admin, body: { units: [{ code: t.A2, name: 'Đổi tên', kind: before.kind, parent: t.A, ...FORGED }] } });
    okOrRefused(res2, 'bulk rename');
    const after = await row('unit', "code = :'c'", { c: t.A2 });
    assert.equal(after.id, before.id);
    assert.equal(after.created_at, before.created_at);
    assert.equal(after.version, before.version + (res2.status === 200 ? 1 : 0));
  });
});

describe('plans', () => {
  test('a draft: PATCH/PUT of status, issued_at, superseded_by, cancelled_*, activity_count, id, version, created_at change nothing', async () => {
    const before = await row('plan', "id = :'id'", { id: draft.id });
    const cur = (await api('GET', `/plans/${draft.id}`, { token: as('viewer', t.A) })).body;
    const forged = {
      ...FORGED, status: 'issued', issued_at: '2020-01-01T00:00:00Z', superseded_by: other.id, cancelled_reason: 'x',
      cancelled_at: '2020-01-01T00:00:00Z', activity_count: 99,
    };
    for (const [method, body] of [['PATCH', forged], ['PUT', { ...cur, ...forged }], ['PATCH', { status: 'cancelled' }], ['PATCH', { revision: 5 }]]) {
      const res = await api(method, `/plans/${draft.id}`, { token: as('editor', t.A), headers: { 'If-Match': '*' }, body });
      okOrRefused(res, `${method} draft`);
      if (res.status === 200) assert.equal(res.body.status, 'draft');
    }
    assert.deepEqual(await row('plan', "id = :'id'", { id: draft.id }), before);
  });

  test('the issuing unit cannot be changed: of a draft, of an issued plan; nor by an editor above', async () => {
    for (const id of [draft.id, plan.id]) {
      const before = await row('plan', "id = :'id'", { id });
      const cur = (await api('GET', `/plans/${id}`, { token: as('viewer', t.A) })).body;
      for (const [who, method, body] of [
        [as('editor', t.A), 'PATCH', { unit: t.B }], [as('editor', t.A), 'PATCH', { unit: t.A1 }],
        [as('editor', t.root), 'PATCH', { unit: t.root }], [as('editor', t.A), 'PUT', { ...cur, unit: t.A2 }],
        [as('approver', t.A), 'PATCH', { unit: t.A2, status: 'draft' }],
      ]) {
        const res = await api(method, `/plans/${id}`, { token: who, headers: { 'If-Match': '*' }, body });
        okOrRefused(res, `${method} plan ${id} ${JSON.stringify(body).slice(0, 60)}`);
        assert.notEqual(res.status, 200, `${method} plan ${id}: the issuing unit was taken: ${res.text.slice(0, 200)}`);
      }
      assert.deepEqual(await row('plan', "id = :'id'", { id }), before);
    }
  });

  test('an issued plan stays issued: status in a body (PATCH, PUT, issue body) is ignored or refused', async () => {
    const before = await row('plan', "id = :'id'", { id: plan.id });
    const cur = (await api('GET', `/plans/${plan.id}`, { token: as('viewer', t.A) })).body;
    for (const [method, path, body] of [
      ['PATCH', `/plans/${plan.id}`, { status: 'draft' }], ['PUT', `/plans/${plan.id}`, { ...cur, status: 'draft', version: 1 }],
      ['POST', `/plans/${plan.id}/issue`, { status: 'draft' }], ['POST', `/plans/${plan.id}/issue`, { issued_on: `${Y}-01-01`, id: 1 }],
    ]) {
      const res = await api(method, path, { token: as('approver', t.A), headers: { 'If-Match': '*' }, body });
      okOrRefused(res, `${method} ${path}`);
      if (res.status === 200) assert.equal(res.body.status, 'issued');
    }
    assert.deepEqual(await row('plan', "id = :'id'", { id: plan.id }), before);
  });
});

describe('activities', () => {
  test('the plan, id, version, created_at of an activity cannot be changed', async () => {
    const before = await row('activity', "id = :'id'", { id: act });
    const cur = (await api('GET', `/activities/${act}`, { token: as('viewer', t.A) })).body;
    for (const [method, body] of [
      ['PATCH', { plan: other.id }], ['PATCH', { plan: plan.id }], ['PATCH', FORGED], ['PUT', { ...cur, plan: other.id }],
      ['PUT', { ...cur, ...FORGED }], ['PATCH', { revision: 1, plan_id: other.id }],
    ]) {
      const res = await api(method, `/activities/${act}`, { token: as('editor', t.A), headers: { 'If-Match': '*' }, body });
      okOrRefused(res, `${method} activity ${JSON.stringify(body).slice(0, 60)}`);
      if (res.status === 200) assert.equal(res.body.plan, draft.id);
    }
    assert.deepEqual(await row('activity', "id = :'id'", { id: act }), before);
  });
});

describe('reports', () => {
  test('POST: status, workflow fields, own, to_unit, due_on are computed, not taken', async () => {
    const res = await rapi('POST', '/reports', {
      token: as('editor', t.A2),
      body: {
        plan: plan.id, unit: t.A2, period: Y, status: 'accepted', own: true, to_unit: t.A2, due_on: '2099-01-01',
        submitted_at: '2020-01-01T00:00:00Z', submitted_by: 'x', first_submitted_at: '2020-01-01T00:00:00Z', on_time: true,
        days_late: 0, accepted_at: '2020-01-01T00:00:00Z', accepted_by: 'x', ...FORGED,
      },
    });
    okOrRefused(res, 'POST /reports');
    if (res.status === 201) {
      const r = await row('report', "id = :'id'", { id: res.body.id });
      assert.equal(r.status, 'draft');
      assert.equal(r.own, false);
      assert.equal(r.due_on, `${Y}-12-01`);
      assert.equal(r.submitted_at, null);
      assert.equal(r.accepted_at, null);
      assert.equal(r.on_time, null);
      assert.equal(r.version, 1);
      assert.notEqual(r.id, 1);
      const to = await sql("SELECT code FROM bdg.unit WHERE id = :'id'", { id: r.to_unit_id });
      assert.equal(to[0].code, t.A);
    }
  });

  test('a submitted report: its unit, plan, period, status and workflow fields cannot be changed by a body', async () => {
    const before = await row('report', "id = :'id'", { id: sub });
    const cur = (await rapi('GET', `/reports/${sub}`, { token: as('viewer', t.A1) })).body;
    for (const [who, method, path, body] of [
      [as('editor', t.A1), 'PATCH', `/reports/${sub}`, { unit: t.A2 }],
      [as('editor', t.A), 'PATCH', `/reports/${sub}`, { unit: t.A }],
      [as('editor', t.A1), 'PUT', `/reports/${sub}`, { ...cur, unit: t.A2 }],
      [as('editor', t.A1), 'PATCH', `/reports/${sub}`, { plan: other.id }],
      [as('editor', t.A1), 'PATCH', `/reports/${sub}`, { period: `${Y}-H1` }],
      [as('editor', t.A1), 'PATCH', `/reports/${sub}`, { status: 'accepted', accepted_at: '2020-01-01T00:00:00Z', accepted_by: 'x' }],
      [as('editor', t.A1), 'PATCH', `/reports/${sub}`, { status: 'draft' }],
      [as('editor', t.A1), 'PATCH', `/reports/${sub}`, { to_unit: t.A1, due_on: '2099-12-31', on_time: true, days_late: 0, own: true }],
      [as('editor', t.A1), 'PATCH', `/reports/${sub}`, FORGED],
      [as('approver', t.A), 'POST', `/reports/${sub}/accept`, { status: 'returned' }],
      [as('approver', t.A), 'POST', `/reports/${sub}/return`, { reason: 'x', status: 'accepted', unit: t.A2 }],
    ]) {
      // The return above is a real return when the body is accepted: its
      // extra fields must be refused (422) before anything happens.
      const res = await rapi(method, path, { token: who, headers: method === 'POST' ? {} : { 'If-Match': '*' }, body });
      okOrRefused(res, `${method} ${path} ${JSON.stringify(body).slice(0, 80)}`);
      assert.notEqual(res.status, 200, `${method} ${path} ${JSON.stringify(body).slice(0, 80)} was taken: ${res.text.slice(0, 200)}`);
    }
    assert.deepEqual(await row('report', "id = :'id'", { id: sub }), before);
    console.log(`mass assignment: ${tried} forged writes so far, none took`);
  });
});

describe('indicators', () => {
  test('the code, id, version, created_at of an indicator cannot be changed', async () => {
    const code = `${t.prefix}-MA`;
    const root = adminOf(t.root);
    const c = await api('POST', '/indicators', { token: root, body: { code, name: 'Chỉ tiêu thử', measure: 'count', aggregation: 'sum', ...FORGED } });
    okOrRefused(c, 'POST /indicators');
    assert.equal(c.status, 201, c.text);
    const before = await row('indicator', "code = :'c'", { c: code });
    assert.equal(before.version, 1);
    for (const [method, body] of [['PATCH', { code: `${code}X` }], ['PATCH', FORGED], ['PUT', { ...c.body, code: `${code}X` }], ['PUT', { ...c.body, ...FORGED }]]) {
      const res = await api(method, `/indicators/${code}`, { token: root, headers: { 'If-Match': '*' }, body });
      okOrRefused(res, `${method} indicator`);
      if (res.status === 200) assert.equal(res.body.code, code);
    }
    assert.deepEqual(await row('indicator', "code = :'c'", { c: code }), before);
    console.log(`mass assignment: ${tried} forged writes in all, every one ignored or refused, the rows unchanged`);
  });
});
