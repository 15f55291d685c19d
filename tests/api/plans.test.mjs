// plans.test.mjs: plans: create/read/replace/patch/delete, validation with
// field pointers, visibility across units (sibling 404, child unit and
// recipient read), who writes and who issues, the lifecycle (issue with its
// completeness checks, frozen content, cancel, supersede), If-Match and
// Idempotency-Key, filters and diacritic-free search, the cascade
// (children, tree) and the printable document, and an audit row for every
// write. Every test makes its own units (makeTree) so that files run
// concurrently against one server.
//
// Every answer is checked against openapi.yaml (lib.mjs's api()) (this file's routes are
// in openapi/fragments/plans.yaml until the lead merges it).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  listAll, api, assertProblem, createUnit, makeTree, sql, token,
} from './lib.mjs';


const as = (role, code) => token({ sub: `${role}-${code}`, unit: code, role });

// Today's year in Vietnam (plans issued today must be of this year).
const THIS_YEAR = new Date(Date.now() + 7 * 3600 * 1000).getUTCFullYear();

// A draft plan of `unit`, by an editor of that unit unless tok is given.
async function newPlan(unit, fields = {}, tok = as('editor', unit)) {
  const res = await api('POST', '/plans', { token: tok, body: { unit, year: THIS_YEAR, title: 'Kế hoạch bình đẳng giới', ...fields } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function addActivity(planId, tok, fields = {}) {
  const res = await api('POST', `/plans/${planId}/activities`, { token: tok, body: { section: 'II.1', title: 'Truyền thông', ...fields } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function etagOf(path, tok) {
  const res = await api('GET', path, { token: tok });
  assert.equal(res.status, 200, res.text);
  return res.headers.get('etag');
}

// Issue plan `id` as an approver of `unit` (the issuing unit).
async function issue(id, unit, body) {
  const tok = as('approver', unit);
  return api('POST', `/plans/${id}/issue`, { token: tok, body, headers: { 'If-Match': await etagOf(`/plans/${id}`, tok) } });
}

const auditRows = (resource, id) => sql(
  "SELECT op, actor_sub, actor_unit, before IS NOT NULL AS has_before, after IS NOT NULL AS has_after FROM bdg.audit WHERE resource = :'r' AND resource_id = :'id' ORDER BY revision",
  { r: resource, id },
);

// The parts of a problem that must not tell "out of reach" from "does not exist".
const shape = (r) => ({ status: r.status, type: r.body?.type, title: r.body?.title, detail: r.body?.detail, errors: r.body?.errors });

// ---- create and read --------------------------------------------------------

describe('create and read', () => {
  test('POST /plans: 201 with Location, ETag "1" and the stored draft; GET answers the same', async () => {
    const t = await makeTree();
    const body = {
      unit: t.A, number: '595/KH-SYT', year: 2019, issued_on: '2019-03-28', place: 'Thừa Thiên Huế',
      title: 'Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ Sở Y tế năm 2019',
      legal_bases: ['Quyết định số 1696/QĐ-TTg ngày 02/10/2015', 'Kế hoạch 53/KH-UBND ngày 12/3/2019'],
      objectives: ['Nâng cao nhận thức về bình đẳng giới'], funding: 'Các đơn vị tự bố trí kinh phí.',
      plans_due_on: '2019-04-05', recipients: [t.A2, t.A1],
      reporting: [{ period: '2019-H1', due_on: '2019-05-25' }, { period: '2019', due_on: '2019-12-01', data_from: '2018-12-20', data_to: '2019-12-10' }],
      signer: 'Lê Viết Bắc', signer_title: 'KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC',
    };
    const res = await api('POST', '/plans', { token: as('editor', t.A), body });
    assert.equal(res.status, 201, res.text);
    const p = res.body;
    assert.equal(res.headers.get('location'), `/api/v1/plans/${p.id}`);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(p.version, 1);
    assert.equal(p.status, 'draft');
    assert.equal(p.type, 'plan');
    assert.equal(p.unit, t.A);
    assert.equal(p.number, '595/KH-SYT');
    assert.deepEqual(p.legal_bases, body.legal_bases);
    assert.deepEqual(p.objectives, body.objectives);
    assert.deepEqual(p.recipients, [t.A1, t.A2].sort(), 'recipients by code');
    assert.deepEqual(p.reporting, [
      { period: '2019-H1', due_on: '2019-05-25', data_from: '2018-12-15', data_to: '2019-06-14' },
      { period: '2019', due_on: '2019-12-01', data_from: '2018-12-20', data_to: '2019-12-10' },
    ], 'the six-month window defaults to Nghị định 09/2019 (15/12 – 14/6); given windows are kept');
    assert.equal(p.issued_at, null);
    assert.equal(p.activity_count, 0);
    const got = await api('GET', `/plans/${p.id}`, { token: as('viewer', t.A) });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('etag'), '"1"');
    assert.deepEqual(got.body, p);
  });

  test('the read-only fields may be sent back and are ignored; status cannot be set by POST', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, {
      id: 999999, version: 7, status: 'issued', issued_at: '2019-01-01T00:00:00Z', superseded_by: 1,
      cancelled_reason: 'x', cancelled_at: null, activity_count: 9, created_at: 'x', updated_at: 'y',
    });
    assert.notEqual(p.id, 999999);
    assert.equal(p.version, 1);
    assert.equal(p.status, 'draft');
    assert.equal(p.issued_at, null);
    assert.equal(p.superseded_by, null);
    assert.equal(p.activity_count, 0);
  });

  test('a guidance letter: type guidance', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, { type: 'guidance', number: '908/SLĐTBXH-BĐG', title: 'Hướng dẫn hoạt động bình đẳng giới năm 2020', year: 2020 });
    assert.equal(p.type, 'guidance');
  });

  test('409 /number for a number the unit already used this year; another year or unit is fine', async () => {
    const t = await makeTree();
    await newPlan(t.A, { number: '12/KH-SYT' });
    const dup = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: t.A, number: '12/KH-SYT', year: THIS_YEAR, title: 'Khác' } });
    assertProblem(dup, 409, { type: 'conflict', fields: ['/number'] });
    await newPlan(t.A, { number: '12/KH-SYT', year: THIS_YEAR - 1 });
    await newPlan(t.B, { number: '12/KH-SYT' });
  });
});

// ---- validation -------------------------------------------------------------

describe('validation', () => {
  test('required fields, types, enums, dates and lengths: 422 naming every field', async () => {
    const t = await makeTree();
    const res = await api('POST', '/plans', {
      token: as('editor', t.A),
      body: { year: 1999, type: 'memo', issued_on: '2019-02-30', place: '', colour: 'red', legal_bases: ['ok', ''], signer: 'x'.repeat(201) },
    });
    assertProblem(res, 422, { type: 'validation', fields: ['/unit', '/title', '/year', '/type', '/issued_on', '/colour', '/legal_bases/1', '/signer'] });
    const empty = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: t.A, year: 2024, title: 'T', place: '', number: '' } });
    assertProblem(empty, 422, { fields: ['/place', '/number'] });
  });

  test('recipients: unknown units and duplicates are named by index', async () => {
    const t = await makeTree();
    const res = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: t.A, year: 2024, title: 'T', recipients: [t.A1, t.A1] } });
    assertProblem(res, 422, { fields: ['/recipients/1'] });
    const unknown = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: t.A, year: 2024, title: 'T', recipients: [t.A1, `${t.prefix}-NOPE`, 'lower'] } });
    assertProblem(unknown, 422, { fields: ['/recipients/2'] });
    const unknown2 = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: t.A, year: 2024, title: 'T', recipients: [t.A1, `${t.prefix}-NOPE`] } });
    assertProblem(unknown2, 422, { fields: ['/recipients/1'] });
  });

  test('reporting entries: bad period, periods twice, windows out of order', async () => {
    const t = await makeTree();
    const res = await api('POST', '/plans', {
      token: as('editor', t.A),
      body: {
        unit: t.A, year: 2024, title: 'T',
        reporting: [
          { period: '2024-H3', due_on: '2024-05-25' },
          { period: '2024', due_on: '2024-11-25', data_from: '2024-01-01', data_to: '2023-12-01' },
          { period: '2024', due_on: '2024-11-25' },
          { period: '2024-Q1', due_on: '2024-01-01', data_from: '2024-02-01' },
          { due_on: '2024-01-01', extra: 1 },
        ],
      },
    });
    assertProblem(res, 422, { fields: ['/reporting/0/period', '/reporting/1/data_to', '/reporting/2/period', '/reporting/3/due_on', '/reporting/4/period', '/reporting/4/extra'] });
  });

  test('the issuing unit must be in the caller\'s subtree; the parent plan must be readable', async () => {
    const t = await makeTree();
    const out = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: t.B, year: 2024, title: 'T' } });
    assertProblem(out, 422, { fields: ['/unit'] });
    const none = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: `${t.prefix}-NOPE`, year: 2024, title: 'T' } });
    assertProblem(none, 422, { fields: ['/unit'] });
    const bPlan = await newPlan(t.B);
    const parent = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: t.A, year: 2024, title: 'T', parent_plan: bPlan.id } });
    assertProblem(parent, 422, { fields: ['/parent_plan'] });
    const rootPlan = await newPlan(t.root);
    const ok = await newPlan(t.A, { parent_plan: rootPlan.id });
    assert.equal(ok.parent_plan, rootPlan.id, 'a plan of an ancestor can be implemented');
  });

  test('a number that is not a document number, an issue date far from the year: 422', async () => {
    const t = await makeTree();
    const res = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: t.A, year: 2019, title: 'T', number: 'KH 595' } });
    assertProblem(res, 422, { fields: ['/number'] });
    const far = await api('POST', '/plans', { token: as('editor', t.A), body: { unit: t.A, year: 2019, title: 'T', issued_on: '2016-01-01' } });
    assertProblem(far, 422, { fields: ['/issued_on'] });
  });

  test('a plan cannot implement a plan that implements it: 422 /parent_plan', async () => {
    const t = await makeTree();
    const a = await newPlan(t.A);
    const b = await newPlan(t.A, { parent_plan: a.id });
    const tok = as('editor', t.A);
    const res = await api('PATCH', `/plans/${a.id}`, { token: tok, body: { parent_plan: b.id }, headers: { 'If-Match': '"1"' } });
    assertProblem(res, 422, { fields: ['/parent_plan'] });
  });
});

// ---- visibility and authorization ----------------------------------------------

describe('visibility', () => {
  test('a department\'s plan: its subtree and its ancestors read it; a sibling gets 404 exactly as for a missing id', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    for (const code of [t.A, t.A1, t.A2, t.root]) {
      const r = await api('GET', `/plans/${p.id}`, { token: as('viewer', code) });
      assert.equal(r.status, 200, `${code} reads it`);
    }
    const sibling = await api('GET', `/plans/${p.id}`, { token: as('viewer', t.B) });
    const missing = await api('GET', '/plans/999999999', { token: as('viewer', t.B) });
    assertProblem(sibling, 404);
    assert.deepEqual({ ...shape(sibling) }, { ...shape(missing) });
    for (const sub of ['activities', 'children', 'tree', 'document']) {
      const r = await api('GET', `/plans/${p.id}/${sub}`, { token: as('viewer', t.B1) });
      assertProblem(r, 404);
    }
    const list = await listAll(`/plans?under=${t.root}`, as('viewer', t.B));
    assert.deepEqual(list.items.map((x) => x.id), [], 'the sibling lists nothing of A');
  });

  test('a child unit reads the plans of its ancestors (plans reach down), not its siblings\'', async () => {
    const t = await makeTree();
    const rootPlan = await newPlan(t.root, {}, as('editor', t.root));
    const aPlan = await newPlan(t.A);
    const bPlan = await newPlan(t.B);
    const ids = (await listAll(`/plans?under=${t.root}`, as('viewer', t.A1))).items.map((x) => x.id);
    assert.deepEqual(ids, [rootPlan.id, aPlan.id]);
    assert.ok(!ids.includes(bPlan.id));
  });

  test('a recipient (and its subtree) reads a plan addressed to it, even outside the issuer\'s subtree', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, { recipients: [t.B] });
    for (const code of [t.B, t.B1]) {
      const r = await api('GET', `/plans/${p.id}`, { token: as('viewer', code) });
      assert.equal(r.status, 200, `${code} reads it`);
    }
    const q = await newPlan(t.A, { recipients: [t.B1] });
    assertProblem(await api('GET', `/plans/${q.id}`, { token: as('viewer', t.B) }), 404, {});
    assert.equal((await api('GET', `/plans/${q.id}`, { token: as('viewer', t.B1) })).status, 200);
  });

  test('a token whose unit does not exist reads nothing', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    assertProblem(await api('GET', `/plans/${p.id}`, { token: as('viewer', `${t.prefix}-GHOST`) }), 404);
    const list = await api('GET', '/plans', { token: as('viewer', `${t.prefix}-GHOST`) });
    assert.deepEqual(list.body.items, []);
  });
});

describe('who writes', () => {
  test('viewers cannot write (403); editors write their subtree\'s plans; a readable plan outside it is 403; an unreadable one 404', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    assertProblem(await api('POST', '/plans', { token: as('viewer', t.A), body: { unit: t.A, year: 2024, title: 'T' } }), 403);
    // an editor of the province writes the department's plan
    const up = await api('PATCH', `/plans/${p.id}`, { token: as('editor', t.root), body: { title: 'Sửa bởi tỉnh' }, headers: { 'If-Match': '"1"' } });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.body.title, 'Sửa bởi tỉnh');
    // an editor of a child unit reads it but may not change it
    const child = await api('PATCH', `/plans/${p.id}`, { token: as('editor', t.A1), body: { title: 'X' }, headers: { 'If-Match': '"2"' } });
    assertProblem(child, 403, { type: 'forbidden' });
    assertProblem(await api('DELETE', `/plans/${p.id}`, { token: as('editor', t.A1), headers: { 'If-Match': '"2"' } }), 403);
    // a sibling cannot even see it
    assertProblem(await api('PATCH', `/plans/${p.id}`, { token: as('editor', t.B), body: { title: 'X' }, headers: { 'If-Match': '"2"' } }), 404);
    assertProblem(await api('DELETE', `/plans/${p.id}`, { token: as('editor', t.B), headers: { 'If-Match': '"2"' } }), 404);
    const still = await api('GET', `/plans/${p.id}`, { token: as('viewer', t.A) });
    assert.equal(still.body.title, 'Sửa bởi tỉnh');
    assert.equal(still.body.version, 2);
  });

  test('only an approver of the issuing unit itself issues, cancels and supersedes', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, { recipients: [t.A1] });
    await addActivity(p.id, as('editor', t.A));
    const h = { 'If-Match': '"1"' };
    assertProblem(await api('POST', `/plans/${p.id}/issue`, { token: as('editor', t.A), headers: h }), 403);
    assertProblem(await api('POST', `/plans/${p.id}/issue`, { token: as('approver', t.root), headers: h }), 403, { detail: new RegExp(t.A) });
    assertProblem(await api('POST', `/plans/${p.id}/issue`, { token: as('approver', t.A1), headers: h }), 403);
    assertProblem(await api('POST', `/plans/${p.id}/issue`, { token: as('approver', t.B), headers: h }), 404);
    assertProblem(await api('POST', `/plans/${p.id}/cancel`, { token: as('approver', t.root), body: { reason: 'x' }, headers: h }), 403);
    const ok = await api('POST', `/plans/${p.id}/issue`, { token: as('admin', t.A), headers: h });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.status, 'issued');
  });
});

// ---- lifecycle --------------------------------------------------------------------

describe('lifecycle', () => {
  test('issue: 428 without If-Match, 412 when stale; then issued with today\'s date and issued_at', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, { recipients: [t.A1] });
    await addActivity(p.id, as('editor', t.A));
    const tok = as('approver', t.A);
    assertProblem(await api('POST', `/plans/${p.id}/issue`, { token: tok }), 428);
    assertProblem(await api('POST', `/plans/${p.id}/issue`, { token: tok, headers: { 'If-Match': '"7"' } }), 412);
    const res = await api('POST', `/plans/${p.id}/issue`, { token: tok, headers: { 'If-Match': '"1"' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'issued');
    assert.match(res.body.issued_on, /^\d{4}-\d{2}-\d{2}$/);
    const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
    assert.equal(res.body.issued_on, today, 'a plan without a date of issue takes today\'s (Vietnam)');
    assert.ok(res.body.issued_at);
    assert.equal(res.headers.get('etag'), `"${res.body.version}"`);
    const again = await api('POST', `/plans/${p.id}/issue`, { token: tok, headers: { 'If-Match': `"${res.body.version}"` } });
    assertProblem(again, 409, { type: 'conflict' });
  });

  test('issue keeps a given date of issue; the body may set it', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, { year: 2019, issued_on: '2019-03-28' });
    await addActivity(p.id, as('editor', t.A));
    const res = await issue(p.id, t.A);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.issued_on, '2019-03-28');
    const q = await newPlan(t.A, { year: 2019 });
    await addActivity(q.id, as('editor', t.A));
    const res2 = await issue(q.id, t.A, { issued_on: '2019-04-02' });
    assert.equal(res2.status, 200, res2.text);
    assert.equal(res2.body.issued_on, '2019-04-02');
  });

  test('issue checks completeness: 422 naming the missing activity, recipients gone by the date, a date in the future', async () => {
    const t = await makeTree();
    const gone = `${t.prefix}-GONE`;
    const later = `${t.prefix}-LATER`;
    await createUnit(t.admin, { code: gone, name: 'Đơn vị đã sáp nhập', kind: 'other', parent: t.A, valid_to: '2018-12-31' });
    await createUnit(t.admin, { code: later, name: 'Đơn vị mới', kind: 'other', parent: t.A, valid_from: '2030-01-01' });
    const p = await newPlan(t.A, { year: 2019, issued_on: '2019-03-28', recipients: [t.A1, gone, later] });
    const res = await issue(p.id, t.A);
    const problem = assertProblem(res, 422, { type: 'validation', fields: ['/activities', '/recipients/1', '/recipients/2'] });
    assert.equal(problem.errors.length, 3, JSON.stringify(problem.errors));
    assert.ok(!problem.errors.some((e) => e.field === '/recipients/0'), 'an active recipient is fine');
    const still = await api('GET', `/plans/${p.id}`, { token: as('viewer', t.A) });
    assert.equal(still.body.status, 'draft');
    const future = await newPlan(t.A, {});
    await addActivity(future.id, as('editor', t.A));
    const f = await issue(future.id, t.A, { issued_on: `${THIS_YEAR + 1}-12-31` });
    assertProblem(f, 422, { fields: ['/issued_on'] });
  });

  test('an issued plan is frozen: PUT, PATCH and DELETE are 409, nothing changes; the same content again is 200', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, { recipients: [t.A1] });
    await addActivity(p.id, as('editor', t.A));
    const issued = (await issue(p.id, t.A)).body;
    const tok = as('editor', t.A);
    const h = { 'If-Match': `"${issued.version}"` };
    assertProblem(await api('PATCH', `/plans/${p.id}`, { token: tok, body: { title: 'Đổi' }, headers: h }), 409, { type: 'conflict' });
    assertProblem(await api('PATCH', `/plans/${p.id}`, { token: tok, body: { recipients: [t.A1, t.A2] }, headers: h }), 409);
    assertProblem(await api('PATCH', `/plans/${p.id}`, { token: tok, body: { reporting: [{ period: String(THIS_YEAR), due_on: `${THIS_YEAR}-12-01` }] }, headers: h }), 409);
    assertProblem(await api('DELETE', `/plans/${p.id}`, { token: tok, headers: h }), 409);
    const { id, ...same } = issued;
    void id;
    const put = await api('PUT', `/plans/${p.id}`, { token: tok, body: same, headers: h });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.version, issued.version, 'an unchanged plan keeps its version');
    const now = await api('GET', `/plans/${p.id}`, { token: tok });
    assert.deepEqual(now.body, issued);
  });

  test('cancel: a reason is required; a draft or an issued plan is cancelled; then 409', async () => {
    const t = await makeTree();
    const tok = as('approver', t.A);
    const d = await newPlan(t.A);
    assertProblem(await api('POST', `/plans/${d.id}/cancel`, { token: tok, body: {}, headers: { 'If-Match': '"1"' } }), 422, { fields: ['/reason'] });
    assertProblem(await api('POST', `/plans/${d.id}/cancel`, { token: tok, body: { reason: '' }, headers: { 'If-Match': '"1"' } }), 422, { fields: ['/reason'] });
    const c = await api('POST', `/plans/${d.id}/cancel`, { token: tok, body: { reason: 'Trùng kế hoạch' }, headers: { 'If-Match': '"1"' } });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.status, 'cancelled');
    assert.equal(c.body.cancelled_reason, 'Trùng kế hoạch');
    assert.ok(c.body.cancelled_at);
    assertProblem(await api('POST', `/plans/${d.id}/cancel`, { token: tok, body: { reason: 'x' }, headers: { 'If-Match': `"${c.body.version}"` } }), 409);
    assertProblem(await api('PATCH', `/plans/${d.id}`, { token: as('editor', t.A), body: { title: 'x' }, headers: { 'If-Match': `"${c.body.version}"` } }), 409);
    const p = await newPlan(t.A);
    await addActivity(p.id, as('editor', t.A));
    const issued = (await issue(p.id, t.A)).body;
    const c2 = await api('POST', `/plans/${p.id}/cancel`, { token: tok, body: { reason: 'Thay thế' }, headers: { 'If-Match': `"${issued.version}"` } });
    assert.equal(c2.status, 200, c2.text);
    assert.equal(c2.body.status, 'cancelled');
  });

  test('supersede: only an issued plan, only by another issued plan the caller reads', async () => {
    const t = await makeTree();
    const tok = as('approver', t.A);
    const old = await newPlan(t.A);
    await addActivity(old.id, as('editor', t.A));
    const newer = await newPlan(t.A);
    await addActivity(newer.id, as('editor', t.A));
    const h = async () => ({ 'If-Match': await etagOf(`/plans/${old.id}`, tok) });
    assertProblem(await api('POST', `/plans/${old.id}/supersede`, { token: tok, body: { by: newer.id }, headers: await h() }), 409, { detail: /draft/ });
    await issue(old.id, t.A);
    assertProblem(await api('POST', `/plans/${old.id}/supersede`, { token: tok, body: { by: newer.id }, headers: await h() }), 422, { fields: ['/by'] });
    assertProblem(await api('POST', `/plans/${old.id}/supersede`, { token: tok, body: { by: old.id }, headers: await h() }), 422, { fields: ['/by'] });
    const hidden = await newPlan(t.B);
    assertProblem(await api('POST', `/plans/${old.id}/supersede`, { token: tok, body: { by: hidden.id }, headers: await h() }), 422, { fields: ['/by'] });
    assertProblem(await api('POST', `/plans/${old.id}/supersede`, { token: tok, body: {}, headers: await h() }), 422, { fields: ['/by'] });
    await issue(newer.id, t.A);
    const res = await api('POST', `/plans/${old.id}/supersede`, { token: tok, body: { by: newer.id }, headers: await h() });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'superseded');
    assert.equal(res.body.superseded_by, newer.id);
  });

  test('delete: a draft goes with its activities (204, then 404); a plan others implement is 409', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A);
    const a = await addActivity(p.id, tok);
    const child = await newPlan(t.A1, { parent_plan: p.id });
    assertProblem(await api('DELETE', `/plans/${p.id}`, { token: tok, headers: { 'If-Match': '"1"' } }), 409);
    assert.equal((await api('DELETE', `/plans/${child.id}`, { token: tok, headers: { 'If-Match': '"1"' } })).status, 204);
    const del = await api('DELETE', `/plans/${p.id}`, { token: tok, headers: { 'If-Match': '"1"' } });
    assert.equal(del.status, 204, del.text);
    assertProblem(await api('GET', `/plans/${p.id}`, { token: tok }), 404);
    assertProblem(await api('GET', `/activities/${a.id}`, { token: tok }), 404);
    const rows = await auditRows('activity', a.id);
    assert.deepEqual(rows.map((r) => r.op), ['create', 'delete']);
  });
});

// ---- versions and retries -----------------------------------------------------

describe('If-Match, ETag and Idempotency-Key', () => {
  test('PUT, PATCH and DELETE need If-Match: 428 without, 412 when stale; nothing changes', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A);
    const body = { unit: t.A, year: THIS_YEAR, title: 'Mới' };
    assertProblem(await api('PUT', `/plans/${p.id}`, { token: tok, body }), 428);
    assertProblem(await api('PATCH', `/plans/${p.id}`, { token: tok, body: { title: 'x' } }), 428);
    assertProblem(await api('DELETE', `/plans/${p.id}`, { token: tok }), 428);
    const ok = await api('PUT', `/plans/${p.id}`, { token: tok, body, headers: { 'If-Match': '"1"' } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers.get('etag'), '"2"');
    assertProblem(await api('PUT', `/plans/${p.id}`, { token: tok, body: { ...body, title: 'Cũ' }, headers: { 'If-Match': '"1"' } }), 412);
    assertProblem(await api('PATCH', `/plans/${p.id}`, { token: tok, body: { title: 'x' }, headers: { 'If-Match': '"1"' } }), 412);
    assertProblem(await api('DELETE', `/plans/${p.id}`, { token: tok, headers: { 'If-Match': '"1"' } }), 412);
    const g = await api('GET', `/plans/${p.id}`, { token: tok });
    assert.equal(g.body.title, 'Mới');
    const nm = await api('GET', `/plans/${p.id}`, { token: tok, headers: { 'If-None-Match': '"2"' } });
    assert.equal(nm.status, 304);
  });

  test('PUT replaces: fields left out are cleared; unit cannot change (422 /unit); PATCH merges', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A, { place: 'Huế', recipients: [t.A1], reporting: [{ period: '2024', due_on: '2024-12-01' }] });
    const moved = await api('PUT', `/plans/${p.id}`, { token: tok, body: { unit: t.A1, year: THIS_YEAR, title: 'T' }, headers: { 'If-Match': '"1"' } });
    assertProblem(moved, 422, { fields: ['/unit'] });
    const patched = await api('PATCH', `/plans/${p.id}`, { token: tok, body: { signer: 'Lê Viết Bắc', recipients: null }, headers: { 'If-Match': '"1"', 'Content-Type': 'application/merge-patch+json' } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.place, 'Huế');
    assert.equal(patched.body.signer, 'Lê Viết Bắc');
    assert.deepEqual(patched.body.recipients, []);
    assert.equal(patched.body.reporting.length, 1);
    assert.equal(patched.body.version, 2, 'one write, one version');
    const put = await api('PUT', `/plans/${p.id}`, { token: tok, body: { unit: t.A, year: THIS_YEAR, title: 'T' }, headers: { 'If-Match': '"2"' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.place, null);
    assert.equal(put.body.signer, null);
    assert.deepEqual(put.body.reporting, []);
    assert.equal(put.body.version, 3);
  });

  test('a child list that is sent unchanged costs no version; a changed one bumps it once', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A, { recipients: [t.A1, t.A2], reporting: [{ period: '2024-H1', due_on: '2024-05-25' }] });
    const same = await api('PATCH', `/plans/${p.id}`, { token: tok, body: { recipients: [t.A2, t.A1], reporting: [{ period: '2024-H1', due_on: '2024-05-25', data_from: '2023-12-15', data_to: '2024-06-14' }] }, headers: { 'If-Match': '"1"' } });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.body.version, 1);
    const changed = await api('PATCH', `/plans/${p.id}`, { token: tok, body: { recipients: [t.A1], reporting: [{ period: '2024-H1', due_on: '2024-05-20' }] }, headers: { 'If-Match': '"1"' } });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.version, 2);
    assert.deepEqual(changed.body.recipients, [t.A1]);
    assert.equal(changed.body.reporting[0].due_on, '2024-05-20');
    const rows = await auditRows('plan', p.id);
    assert.deepEqual(rows.map((r) => r.op), ['create', 'update'], 'one revision per write');
  });

  test('POST /plans with an Idempotency-Key: the retry gets the first answer and creates nothing more', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const body = { unit: t.A, year: THIS_YEAR, title: 'Một lần', recipients: [t.A1] };
    const first = await api('POST', '/plans', { token: tok, body, headers: { 'Idempotency-Key': `plan-${t.prefix}` } });
    assert.equal(first.status, 201, first.text);
    // the replay lacks the ETag (a dispatcher bug reported in units.test.mjs): compared by hand
    const again = await api('POST', '/plans', { token: tok, body, headers: { 'Idempotency-Key': `plan-${t.prefix}` }, validate: false });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    const list = await listAll(`/plans?unit=${t.A}`, tok);
    assert.equal(list.items.length, 1);
    assert.equal((await auditRows('plan', first.body.id)).length, 1);
    const other = await api('POST', '/plans', { token: tok, body: { ...body, title: 'Khác' }, headers: { 'Idempotency-Key': `plan-${t.prefix}` } });
    assertProblem(other, 422, { fields: ['Idempotency-Key'] });
  });
});

// ---- lists --------------------------------------------------------------------

describe('lists and filters', () => {
  test('filters: unit, under, year, status, type, parent_plan; q ignores diacritics', async () => {
    const t = await makeTree();
    const root = await newPlan(t.root, { year: 2019, title: 'Kế hoạch bình đẳng giới tỉnh năm 2019' }, as('editor', t.root));
    await addActivity(root.id, as('editor', t.root));
    await issue(root.id, t.root, { issued_on: '2019-03-12' });
    const syt = await newPlan(t.A, {
      year: 2019, number: '595/KH-SYT', parent_plan: root.id,
      title: 'Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ Sở Y tế tỉnh Thừa Thiên Huế năm 2019',
    });
    const guide = await newPlan(t.B, { year: 2020, type: 'guidance', title: 'Hướng dẫn hoạt động năm 2020', objectives: ['Đẩy mạnh truyền thông về Tháng hành động'] });
    const a1 = await newPlan(t.A1, { year: 2020, parent_plan: syt.id });
    const tok = as('viewer', t.root);
    const ids = async (qs) => (await listAll(`/plans?under=${t.root}&${qs}`, tok)).items.map((x) => x.id);
    assert.deepEqual(await ids(''), [root.id, syt.id, guide.id, a1.id]);
    assert.deepEqual(await ids(`unit=${t.A}`), [syt.id]);
    assert.deepEqual((await listAll(`/plans?under=${t.A}`, tok)).items.map((x) => x.id), [syt.id, a1.id]);
    assert.deepEqual(await ids('year=2019'), [root.id, syt.id]);
    assert.deepEqual(await ids('status=issued'), [root.id]);
    assert.deepEqual(await ids('status=draft&year=2020'), [guide.id, a1.id]);
    assert.deepEqual(await ids('type=guidance'), [guide.id]);
    assert.deepEqual(await ids(`parent_plan=${root.id}`), [syt.id]);
    assert.deepEqual(await ids('q=binh%20dang%20gioi%20so%20y%20te'), [syt.id]);
    assert.deepEqual(await ids('q=595%2FKH-SYT'), [syt.id], 'by number');
    assert.deepEqual(await ids('q=THANG%20HANH%20DONG'), [guide.id], 'in the objectives, any case');
    assert.deepEqual(await ids(`q=${encodeURIComponent('bình đẳng giới Sở Y tế')}`), [syt.id], 'with diacritics too');
    assert.deepEqual(await ids(`unit=${t.A}-NONE`), []);
  });

  test('paging with limit and next walks every plan once, in id order', async () => {
    const t = await makeTree();
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await newPlan(t.A, { title: `Kế hoạch ${i}` })).id);
    const all = await listAll(`/plans?under=${t.A}`, as('viewer', t.A), 2);
    assert.equal(all.pages, 3);
    assert.deepEqual(all.items.map((x) => x.id), made);
  });

  test('a listed plan is its GET document after every kind of change (stored documents, 015)', async () => {
    const t = await makeTree();
    const ed = as('editor', t.A);
    const tok = as('viewer', t.A);
    const p = await newPlan(t.A, { recipients: [t.A1], reporting: [{ period: `${THIS_YEAR}`, due_on: `${THIS_YEAR}-12-01` }] });
    const other = await newPlan(t.A, { title: 'Kế hoạch khác' });
    const same = async (what) => {
      for (const qs of [`unit=${t.A}`, `under=${t.A}`]) {
        const listed = (await listAll(`/plans?${qs}`, tok, 1)).items;
        assert.deepEqual(listed.map((x) => x.id), [p.id, other.id], `${what}: ${qs}`);
        for (const item of listed) {
          const got = await api('GET', `/plans/${item.id}`, { token: tok });
          assert.equal(got.status, 200, got.text);
          assert.deepEqual(item, got.body, `${what}: ${qs}, plan ${item.id}`);
        }
      }
      return (await api('GET', `/plans/${p.id}`, { token: tok })).body;
    };
    assert.equal((await same('created')).activity_count, 0);
    const a = await addActivity(p.id, ed);
    await addActivity(p.id, ed, { section: 'II.2' });
    assert.equal((await same('two activities')).activity_count, 2);
    const del = await api('DELETE', `/activities/${a.id}`, { token: ed, headers: { 'If-Match': `"${a.version}"` } });
    assert.equal(del.status, 204, del.text);
    assert.equal((await same('one deleted')).activity_count, 1);
    let res = await api('PATCH', `/plans/${p.id}`, { token: ed, body: { title: 'Sửa tên', recipients: [t.A1, t.A2] }, headers: { 'If-Match': '"1"' } });
    assert.equal(res.status, 200, res.text);
    let doc = await same('title and recipients');
    assert.equal(doc.title, 'Sửa tên');
    assert.deepEqual(doc.recipients, [t.A1, t.A2].sort());
    res = await api('PATCH', `/plans/${p.id}`, { token: ed, body: { reporting: [{ period: `${THIS_YEAR}-H1`, due_on: `${THIS_YEAR}-05-25` }] }, headers: { 'If-Match': `"${doc.version}"` } });
    assert.equal(res.status, 200, res.text);
    doc = await same('reporting');
    assert.deepEqual(doc.reporting.map((e) => e.period), [`${THIS_YEAR}-H1`]);
    res = await issue(p.id, t.A);
    assert.equal(res.status, 200, res.text);
    assert.equal((await same('issued')).status, 'issued');
    // The database: one stored document per plan, gone with its plan.
    const rows = async () => (await sql('SELECT plan_id FROM bdg.plan_cache WHERE plan_id IN (:p, :o) ORDER BY plan_id', { p: p.id, o: other.id })).map((r) => r.plan_id);
    assert.deepEqual(await rows(), [p.id, other.id]);
    res = await api('DELETE', `/plans/${other.id}`, { token: ed, headers: { 'If-Match': '"1"' } });
    assert.equal(res.status, 204, res.text);
    assert.deepEqual(await rows(), [p.id]);
  });

  test('bad filter values and unknown parameters are 400', async () => {
    const t = await makeTree();
    const tok = as('viewer', t.A);
    for (const qs of ['year=19', 'year=abc', 'status=open', 'type=memo', 'parent_plan=x', 'unit=lower', 'under=a%20b', 'sort=id', 'limit=0', 'after=zzz']) {
      assertProblem(await api('GET', `/plans?${qs}`, { token: tok }), 400);
    }
  });
});

// ---- the cascade --------------------------------------------------------------------

describe('the cascade', () => {
  test('children and tree: which recipients have issued their implementing plan, late or not', async () => {
    const t = await makeTree();
    const extra = `${t.prefix}-C`;
    await createUnit(t.admin, { code: extra, name: 'Sở Lao động - Thương binh và Xã hội', kind: 'department', parent: t.root });
    const root = await newPlan(t.root, { year: 2019, recipients: [t.A, t.B, extra], plans_due_on: '2019-04-05' }, as('editor', t.root));
    await addActivity(root.id, as('editor', t.root));
    await issue(root.id, t.root, { issued_on: '2019-03-12' });
    // A issues in time; B has only a draft; C nothing. A's plan goes to A1 and A2; A1 issues.
    const a = await newPlan(t.A, { year: 2019, parent_plan: root.id, recipients: [t.A1, t.A2], plans_due_on: '2030-01-01' });
    await addActivity(a.id, as('editor', t.A));
    await issue(a.id, t.A, { issued_on: '2019-03-28' });
    const b = await newPlan(t.B, { year: 2019, parent_plan: root.id });
    const a1 = await newPlan(t.A1, { year: 2019, parent_plan: a.id });
    await addActivity(a1.id, as('editor', t.A1));
    await issue(a1.id, t.A1, { issued_on: '2019-04-20' });

    const children = await api('GET', `/plans/${root.id}/children`, { token: as('viewer', t.root) });
    assert.equal(children.status, 200);
    assert.deepEqual(children.body.items.map((x) => x.id), [a.id, b.id]);

    const tree = await api('GET', `/plans/${root.id}/tree`, { token: as('viewer', t.root) });
    assert.equal(tree.status, 200, tree.text);
    const tr = tree.body;
    assert.equal(tr.plan.id, root.id);
    assert.equal(tr.plan.plans_due_on, '2019-04-05');
    const rec = Object.fromEntries(tr.recipients.map((r) => [r.unit, r]));
    assert.deepEqual(rec[t.A], { unit: t.A, name: 'Sở Y tế tỉnh Thừa Thiên Huế', status: 'issued', plan: a.id, issued_on: '2019-03-28', late: false });
    assert.deepEqual(rec[t.B], { unit: t.B, name: 'UBND thị xã Hương Trà', status: 'draft', plan: b.id, issued_on: null, late: true });
    assert.deepEqual(rec[extra], { unit: extra, name: 'Sở Lao động - Thương binh và Xã hội', status: 'none', plan: null, issued_on: null, late: true });
    assert.deepEqual(tr.children.map((c) => c.plan.id), [a.id, b.id]);
    const aNode = tr.children[0];
    const aRec = Object.fromEntries(aNode.recipients.map((r) => [r.unit, r]));
    assert.equal(aRec[t.A1].status, 'issued');
    assert.equal(aRec[t.A1].plan, a1.id);
    assert.equal(aRec[t.A1].late, false, 'before its plans_due_on');
    assert.equal(aRec[t.A2].status, 'none');
    assert.equal(aRec[t.A2].late, false);
    assert.deepEqual(aNode.children.map((c) => c.plan.id), [a1.id]);
    assert.deepEqual(aNode.children[0].children, []);

    // A's viewer: B's draft is counted but not shown; only the plans it reads are in the tree
    const fromA = (await api('GET', `/plans/${root.id}/tree`, { token: as('viewer', t.A) })).body;
    const recA = Object.fromEntries(fromA.recipients.map((r) => [r.unit, r]));
    assert.equal(recA[t.B].status, 'draft');
    assert.equal(recA[t.B].plan, null);
    assert.deepEqual(fromA.children.map((c) => c.plan.id), [a.id]);
    const childrenA = await api('GET', `/plans/${root.id}/children`, { token: as('viewer', t.A) });
    assert.deepEqual(childrenA.body.items.map((x) => x.id), [a.id]);
  });
});

// ---- the document --------------------------------------------------------------------

describe('the document', () => {
  test('GET /plans/{id}/document: the administrative layout, parts in order, every field escaped', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A, {
      number: '595/KH-SYT', year: 2019, issued_on: '2019-03-28', place: 'Thừa Thiên Huế',
      title: 'Kế hoạch <script>alert(1)</script> & "bình đẳng"',
      legal_bases: ['Quyết định số 1696/QĐ-TTg ngày 02/10/2015'], objectives: ['Nâng cao <b>nhận thức</b>'],
      funding: 'Ngân sách <i>địa phương</i>', plans_due_on: '2019-04-05', recipients: [t.A1, t.A2],
      reporting: [{ period: '2019-H1', due_on: '2019-05-25' }],
      signer: 'Lê Viết Bắc', signer_title: 'KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC',
    });
    await addActivity(p.id, tok, { section: 'V', title: 'Chế độ báo cáo định kỳ', category: 'statistics' });
    await addActivity(p.id, tok, { section: 'II.10', title: 'Hoạt động mười' });
    await addActivity(p.id, tok, { section: 'II.3.a', title: 'Hoạt động ba a', lead_unit: t.A1, coordinating_units: [t.A2], starts_on: '2019-11-15', ends_on: '2019-12-15', budget_vnd: 15000000 });
    await addActivity(p.id, tok, { section: 'II.3', title: 'Hoạt động ba', description: '<img src=x onerror=alert(2)>' });
    await addActivity(p.id, tok, { section: 'II.4.b', title: 'Hoạt động bốn b' });
    const res = await api('GET', `/plans/${p.id}/document`, { token: as('viewer', t.A1) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/);
    const html = res.text;
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(html.includes('Số: 595/KH-SYT'));
    assert.ok(html.includes('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'));
    assert.ok(html.includes('Độc lập - Tự do - Hạnh phúc'));
    assert.ok(html.includes('Thừa Thiên Huế, ngày 28 tháng 3 năm 2019'));
    assert.ok(html.includes('KẾ HOẠCH'));
    assert.ok(html.includes('Sở Y tế tỉnh Thừa Thiên Huế'), 'the issuing body');
    assert.ok(html.includes('UBND tỉnh Thừa Thiên Huế'), 'its parent body');
    assert.ok(html.includes('Lê Viết Bắc'), 'the signer');
    assert.ok(html.includes('KT. GIÁM ĐỐC') && html.includes('PHÓ GIÁM ĐỐC'));
    assert.ok(html.includes('Nơi nhận'));
    assert.ok(html.includes('Trung tâm Y tế huyện Vân Canh') && html.includes('Phòng Nội vụ'), 'the recipients by name');
    assert.ok(html.includes('Thực hiện Quyết định số 1696/QĐ-TTg'), 'the legal bases');
    assert.ok(html.includes('15/11/2019') && html.includes('15.000.000 đồng'));
    assert.ok(html.includes('05/4/2019') || html.includes('05/04/2019'), 'the date plans are due');
    assert.ok(!html.includes('<script>alert'), 'the title is escaped');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;bình đẳng&quot;'));
    assert.ok(!html.includes('<img src=x'), 'a description is escaped');
    assert.ok(!html.includes('<b>nhận thức</b>') && !html.includes('<i>địa phương</i>'));
    const at = (s) => {
      const i = html.indexOf(s);
      assert.ok(i >= 0, `${s} is in the document`);
      return i;
    };
    const order = ['I. MỤC ĐÍCH, YÊU CẦU', 'II. NỘI DUNG', 'Hoạt động ba<', 'Hoạt động ba a', '<b>4. </b>', 'b) Hoạt động bốn b', 'Hoạt động mười',
      'III. KINH PHÍ THỰC HIỆN', 'IV. TỔ CHỨC THỰC HIỆN', 'V. CHẾ ĐỘ BÁO CÁO', 'Chế độ báo cáo định kỳ', 'Nơi nhận'];
    const pos = order.map(at);
    assert.deepEqual([...pos].sort((x, y) => x - y), pos, 'parts and activities in document order');
  });

  test('a plan without number or date leaves them to fill; a guidance letter opens with Kính gửi', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, { type: 'guidance', recipients: [t.A1] });
    const res = await api('GET', `/plans/${p.id}/document`, { token: as('viewer', t.A) });
    assert.equal(res.status, 200);
    assert.ok(res.text.includes('ngày …… tháng …… năm ……'));
    assert.ok(res.text.includes('Kính gửi: Trung tâm Y tế huyện Vân Canh'));
    assert.ok(!res.text.includes('KẾ HOẠCH<'));
  });
});

// ---- audit ------------------------------------------------------------------------

describe('audit', () => {
  test('every write leaves one audit row with its actor; refused writes leave none', async () => {
    const t = await makeTree();
    const ed = as('editor', t.A);
    const p = await newPlan(t.A, { recipients: [t.A1] });
    await api('PATCH', `/plans/${p.id}`, { token: ed, body: { title: 'Sửa' }, headers: { 'If-Match': '"1"' } });
    await api('PATCH', `/plans/${p.id}`, { token: ed, body: { title: 'X' }, headers: { 'If-Match': '"1"' } }); // 412
    await api('PATCH', `/plans/${p.id}`, { token: as('editor', t.A1), body: { title: 'X' }, headers: { 'If-Match': '"2"' } }); // 403
    await addActivity(p.id, ed);
    const issued = (await issue(p.id, t.A)).body;
    await api('PATCH', `/plans/${p.id}`, { token: ed, body: { title: 'X' }, headers: { 'If-Match': `"${issued.version}"` } }); // 409
    await api('POST', `/plans/${p.id}/cancel`, { token: as('approver', t.A), body: { reason: 'Hủy' }, headers: { 'If-Match': `"${issued.version}"` } });
    const rows = await auditRows('plan', p.id);
    assert.deepEqual(rows.map((r) => [r.op, r.actor_sub]), [
      ['create', `editor-${t.A}`],
      ['update', `editor-${t.A}`],
      ['update', `editor-${t.A}`], // the activity added: the plan's activity_count (migrations/012)
      ['update', `approver-${t.A}`],
      ['update', `approver-${t.A}`],
    ]);
    assert.ok(rows.slice(1).every((r) => r.has_before && r.has_after));
    assert.equal(rows[0].actor_unit, t.A);
    const d = await newPlan(t.A);
    await api('DELETE', `/plans/${d.id}`, { token: ed, headers: { 'If-Match': '"1"' } });
    assert.deepEqual((await auditRows('plan', d.id)).map((r) => [r.op, r.has_after]), [['create', true], ['delete', false]]);
  });
});
