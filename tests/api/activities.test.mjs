// activities.test.mjs: the activities of plans: create/read/replace/patch/
// delete, validation (dates, units that exist and are active, budget,
// section numbers), document order of a plan's activities, the frozen
// content of an issued plan with status and progress still changing (also
// by the lead unit's editors outside the issuer's subtree), who reads and
// writes, the list across plans with its filters (the Action Month found
// by a November query), If-Match, Idempotency-Key and an audit row for
// every write. Every test makes its own units (makeTree).
//
// Every answer is checked against openapi.yaml (lib.mjs's api()) (this file's routes are
// in openapi/fragments/plans.yaml until the lead merges it).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  listAll, api, assertProblem, createUnit, makeTree, sql, token,
} from './lib.mjs';

const as = (role, code) => token({ sub: `${role}-${code}`, unit: code, role });



async function newPlan(unit, fields = {}, tok = as('editor', unit)) {
  const res = await api('POST', '/plans', { token: tok, body: { unit, year: 2019, title: 'Kế hoạch bình đẳng giới năm 2019', ...fields } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function addActivity(planId, tok, fields = {}) {
  const res = await api('POST', `/plans/${planId}/activities`, { token: tok, body: { section: 'II.1', title: 'Truyền thông về bình đẳng giới', ...fields } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function issue(id, unit) {
  const tok = as('approver', unit);
  const g = await api('GET', `/plans/${id}`, { token: tok });
  const res = await api('POST', `/plans/${id}/issue`, { token: tok, body: { issued_on: '2019-03-28' }, headers: { 'If-Match': g.headers.get('etag') } });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

const auditRows = (id) => sql(
  "SELECT op, actor_sub, before IS NOT NULL AS has_before, after IS NOT NULL AS has_after, after->>'status' AS status FROM bdg.audit WHERE resource = 'activity' AND resource_id = :'id' ORDER BY revision",
  { id },
);

// ---- create and read --------------------------------------------------------

describe('create and read', () => {
  test('POST /plans/{id}/activities: 201 with Location and ETag; defaults; GET answers the same', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    const res = await api('POST', `/plans/${p.id}/activities`, { token: as('editor', t.A), body: { section: 'II.1', title: 'Truyền thông' } });
    assert.equal(res.status, 201, res.text);
    const a = res.body;
    assert.equal(res.headers.get('location'), `/api/v1/activities/${a.id}`);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(a.plan, p.id);
    assert.equal(a.category, 'other');
    assert.equal(a.status, 'planned');
    assert.equal(a.lead_unit, t.A, 'the lead unit defaults to the issuing unit');
    assert.deepEqual(a.coordinating_units, []);
    assert.equal(a.budget_vnd, null);
    assert.equal(a.progress, null);
    const got = await api('GET', `/activities/${a.id}`, { token: as('viewer', t.A) });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('etag'), '"1"');
    assert.deepEqual(got.body, a);
    const plan = await api('GET', `/plans/${p.id}`, { token: as('viewer', t.A) });
    assert.equal(plan.body.activity_count, 1);
  });

  test('every field as given: the Action Month of 595/KH-SYT', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    const body = {
      plan: p.id, section: 'II.5', category: 'action_month',
      title: 'Tổ chức Tháng hành động về bình đẳng giới và phòng chống bạo lực trên cơ sở giới từ 15/11 đến 15/12',
      description: 'Xây dựng nội dung, thông điệp, chủ đề cho Tháng hành động.', lead_unit: t.A1, coordinating_units: [t.A2, t.B],
      starts_on: '2019-11-15', ends_on: '2019-12-15', budget_vnd: 15000000, status: 'in_progress', progress: 10,
      id: 99999, version: 5, created_at: 'x', updated_at: 'y',
    };
    const a = await addActivity(p.id, as('editor', t.A), body);
    const { id, version, created_at: c, updated_at: u, ...fields } = body;
    void id; void version; void c; void u;
    for (const [k, v] of Object.entries(fields)) {
      assert.deepEqual(a[k], k === 'coordinating_units' ? [...v].sort() : v, k);
    }
    assert.equal(a.version, 1);
    assert.notEqual(a.id, 99999);
  });
});

// ---- validation -------------------------------------------------------------

describe('validation', () => {
  test('types, enums, dates, budget, progress and unknown fields: 422 naming each', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    const res = await api('POST', `/plans/${p.id}/activities`, {
      token: as('editor', t.A),
      body: { category: 'party', title: '', starts_on: '2019-13-01', budget_vnd: -1, progress: 101, status: 'late', colour: 1 },
    });
    assertProblem(res, 422, { fields: ['/section', '/category', '/title', '/starts_on', '/budget_vnd', '/progress', '/status', '/colour'] });
    const frac = await api('POST', `/plans/${p.id}/activities`, { token: as('editor', t.A), body: { section: 'II.1', title: 'T', budget_vnd: 1500.5 } });
    assertProblem(frac, 422, { fields: ['/budget_vnd'] });
    const str = await api('POST', `/plans/${p.id}/activities`, { token: as('editor', t.A), body: { section: 'II.1', title: 'T', budget_vnd: '1000' } });
    assertProblem(str, 422, { fields: ['/budget_vnd'] });
  });

  test('dates in order: ends_on before starts_on is 422 /ends_on; the same day is fine', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    const res = await api('POST', `/plans/${p.id}/activities`, { token: as('editor', t.A), body: { section: 'II.1', title: 'T', starts_on: '2019-12-15', ends_on: '2019-11-15' } });
    assertProblem(res, 422, { fields: ['/ends_on'] });
    await addActivity(p.id, as('editor', t.A), { starts_on: '2019-11-15', ends_on: '2019-11-15' });
  });

  test('a section number that is not one: 422 /section', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    for (const section of ['II..3', 'IIII', 'ii.3', '2.x1', 'II.3.a.b.c.d.e', 'II.1000', 'A']) {
      const res = await api('POST', `/plans/${p.id}/activities`, { token: as('editor', t.A), body: { section, title: 'T' } });
      assertProblem(res, 422, { fields: ['/section'] });
    }
    for (const section of ['I', 'II.3.a', 'IV.10', '2', 'V.2.đ']) await addActivity(p.id, as('editor', t.A), { section });
  });

  test('lead and coordinating units must exist and be active during the activity', async () => {
    const t = await makeTree();
    const gone = `${t.prefix}-GONE`;
    const born = `${t.prefix}-NEW`;
    await createUnit(t.admin, { code: gone, name: 'Đã sáp nhập', kind: 'other', parent: t.A, valid_to: '2019-06-30' });
    await createUnit(t.admin, { code: born, name: 'Thành lập 2025', kind: 'other', parent: t.A, valid_from: '2025-07-01' });
    const p = await newPlan(t.A);
    const tok = as('editor', t.A);
    const res = await api('POST', `/plans/${p.id}/activities`, {
      token: tok,
      body: { section: 'II.1', title: 'T', lead_unit: `${t.prefix}-NOPE`, coordinating_units: [t.A1, born, `${t.prefix}-NOPE2`, gone], starts_on: '2019-11-15', ends_on: '2019-12-15' },
    });
    const pr = assertProblem(res, 422, { fields: ['/lead_unit', '/coordinating_units/1', '/coordinating_units/2', '/coordinating_units/3'] });
    assert.ok(!pr.errors.some((e) => e.field === '/coordinating_units/0'));
    // the merged unit was active in the first half of 2019; without dates, the plan's year counts
    await addActivity(p.id, tok, { lead_unit: gone, starts_on: '2019-01-10', ends_on: '2019-03-01' });
    await addActivity(p.id, tok, { lead_unit: gone });
    const late = await api('POST', `/plans/${p.id}/activities`, { token: tok, body: { section: 'II.1', title: 'T', lead_unit: born } });
    assertProblem(late, 422, { fields: ['/lead_unit'] });
    const dup = await api('POST', `/plans/${p.id}/activities`, { token: tok, body: { section: 'II.1', title: 'T', coordinating_units: [t.A1, t.A1] } });
    assertProblem(dup, 422, { fields: ['/coordinating_units/1'] });
  });

  test('plan in the body: the URL\'s is accepted, another is 422 /plan (POST and PUT)', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    const q = await newPlan(t.A);
    const tok = as('editor', t.A);
    const a = await addActivity(p.id, tok, { plan: p.id });
    assertProblem(await api('POST', `/plans/${p.id}/activities`, { token: tok, body: { plan: q.id, section: 'I', title: 'T' } }), 422, { fields: ['/plan'] });
    assertProblem(await api('PATCH', `/activities/${a.id}`, { token: tok, body: { plan: q.id }, headers: { 'If-Match': '"1"' } }), 422, { fields: ['/plan'] });
  });
});

// ---- document order -------------------------------------------------------------

describe('document order', () => {
  test('a plan\'s activities come in section order, not string order: II.3 < II.3.a < II.10 < V; paging keeps it', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    const tok = as('editor', t.A);
    const sections = ['V', 'II.10', 'II.3.đ', 'II.3.a', 'II.3', 'IV.2', 'I', 'II.3.e', 'II.3.d', 'II.9', 'III', 'II.3.a'];
    const made = [];
    for (const section of sections) made.push(await addActivity(p.id, tok, { section, title: `Mục ${section}` }));
    const expected = ['I', 'II.3', 'II.3.a', 'II.3.a', 'II.3.d', 'II.3.đ', 'II.3.e', 'II.9', 'II.10', 'III', 'IV.2', 'V'];
    const all = await listAll(`/plans/${p.id}/activities`, as('viewer', t.A1));
    assert.deepEqual(all.items.map((a) => a.section), expected);
    const twins = all.items.filter((a) => a.section === 'II.3.a').map((a) => a.id);
    assert.deepEqual(twins, [...twins].sort((x, y) => x - y), 'the same section: by id');
    const paged = await listAll(`/plans/${p.id}/activities`, as('viewer', t.A1), 5);
    assert.equal(paged.pages, 3);
    assert.deepEqual(paged.items.map((a) => a.id), all.items.map((a) => a.id));
    assertProblem(await api('GET', `/plans/${p.id}/activities?after=azE6MTc`, { token: tok }), 400);
  });
});

// ---- frozen content and who writes ------------------------------------------------------

describe('lifecycle and permissions', () => {
  test('after issue: content, adding and deleting are 409; status and progress still change', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, { recipients: [t.A1] });
    const tok = as('editor', t.A);
    const a = await addActivity(p.id, tok, { lead_unit: t.A1, starts_on: '2019-11-15', ends_on: '2019-12-15' });
    await issue(p.id, t.A);
    assertProblem(await api('PATCH', `/activities/${a.id}`, { token: tok, body: { title: 'Đổi' }, headers: { 'If-Match': '"1"' } }), 409);
    assertProblem(await api('PATCH', `/activities/${a.id}`, { token: tok, body: { coordinating_units: [t.A2] }, headers: { 'If-Match': '"1"' } }), 409);
    assertProblem(await api('PATCH', `/activities/${a.id}`, { token: tok, body: { budget_vnd: 1 }, headers: { 'If-Match': '"1"' } }), 409);
    assertProblem(await api('POST', `/plans/${p.id}/activities`, { token: tok, body: { section: 'II.2', title: 'Mới' } }), 409);
    assertProblem(await api('DELETE', `/activities/${a.id}`, { token: tok, headers: { 'If-Match': '"1"' } }), 409);
    const done = await api('PATCH', `/activities/${a.id}`, { token: tok, body: { status: 'done', progress: 100 }, headers: { 'If-Match': '"1"' } });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.status, 'done');
    assert.equal(done.body.progress, 100);
    assert.equal(done.body.version, 2);
    assert.equal(done.headers.get('etag'), '"2"');
    const { id, ...same } = done.body;
    void id;
    const put = await api('PUT', `/activities/${a.id}`, { token: tok, body: { ...same, status: 'in_progress', progress: 90 }, headers: { 'If-Match': '"2"' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.progress, 90);
  });

  test('the lead unit\'s editors, outside the issuer\'s subtree, read the activity and change only status and progress', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A);
    const a = await addActivity(p.id, as('editor', t.A), { lead_unit: t.B1, coordinating_units: [t.A2] });
    const other = await addActivity(p.id, as('editor', t.A), { section: 'II.2' });
    await issue(p.id, t.A);
    const lead = as('editor', t.B1);
    assertProblem(await api('GET', `/plans/${p.id}`, { token: lead }), 404, {});
    assert.equal((await api('GET', `/activities/${a.id}`, { token: lead })).status, 200);
    assertProblem(await api('GET', `/activities/${other.id}`, { token: lead }), 404);
    const ids = (await listAll(`/activities?lead_unit=${t.B1}`, lead)).items.map((x) => x.id);
    assert.deepEqual(ids, [a.id]);
    const done = await api('PATCH', `/activities/${a.id}`, { token: lead, body: { status: 'done', progress: 100 }, headers: { 'If-Match': '"1"' } });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.status, 'done');
    const title = await api('PATCH', `/activities/${a.id}`, { token: lead, body: { title: 'Đổi tên' }, headers: { 'If-Match': '"2"' } });
    assertProblem(title, 403, { type: 'forbidden', detail: /status and progress/ });
    assertProblem(await api('DELETE', `/activities/${a.id}`, { token: lead, headers: { 'If-Match': '"2"' } }), 403);
    // the lead unit's parent's editors too; a viewer of the lead unit only reads
    const up = await api('PATCH', `/activities/${a.id}`, { token: as('editor', t.B), body: { progress: 95 }, headers: { 'If-Match': '"2"' } });
    assert.equal(up.status, 200, up.text);
    assertProblem(await api('PATCH', `/activities/${a.id}`, { token: as('viewer', t.B1), body: { progress: 1 }, headers: { 'If-Match': '"3"' } }), 403);
    // a coordinating unit reads it but does not update it
    assert.equal((await api('GET', `/activities/${a.id}`, { token: as('viewer', t.A2) })).status, 200);
    // A2 reads the whole plan anyway (A is its parent); A1's editors read but cannot change it
    assertProblem(await api('PATCH', `/activities/${a.id}`, { token: as('editor', t.A1), body: { progress: 1 }, headers: { 'If-Match': '"3"' } }), 403);
    const rows = await auditRows(a.id);
    assert.deepEqual(rows.map((r) => [r.op, r.actor_sub]), [['create', `editor-${t.A}`], ['update', `editor-${t.B1}`], ['update', `editor-${t.B}`]]);
  });

  test('a plan\'s reader who may not write it cannot add activities (403); an outsider gets 404', async () => {
    const t = await makeTree();
    const p = await newPlan(t.A, { recipients: [t.B] });
    assertProblem(await api('POST', `/plans/${p.id}/activities`, { token: as('editor', t.A1), body: { section: 'I', title: 'T' } }), 403);
    assertProblem(await api('POST', `/plans/${p.id}/activities`, { token: as('editor', t.B), body: { section: 'I', title: 'T' } }), 403);
    const q = await newPlan(t.A);
    assertProblem(await api('POST', `/plans/${q.id}/activities`, { token: as('editor', t.B), body: { section: 'I', title: 'T' } }), 404);
    assertProblem(await api('POST', `/plans/${q.id}/activities`, { token: as('viewer', t.A), body: { section: 'I', title: 'T' } }), 403);
    assertProblem(await api('POST', '/plans/999999999/activities', { token: as('editor', t.A), body: { section: 'I', title: 'T' } }), 404);
  });

  test('readers: the plan\'s (issuer\'s subtree, units below the issuer, recipients); a sibling gets 404 like a missing id', async () => {
    const t = await makeTree();
    const p = await newPlan(t.root, { recipients: [t.B] }, as('editor', t.root));
    const a = await addActivity(p.id, as('editor', t.root));
    const q = await newPlan(t.A);
    const b = await addActivity(q.id, as('editor', t.A));
    for (const code of [t.root, t.A, t.A1, t.B, t.B1]) assert.equal((await api('GET', `/activities/${a.id}`, { token: as('viewer', code) })).status, 200, code);
    const sib = await api('GET', `/activities/${b.id}`, { token: as('viewer', t.B) });
    const none = await api('GET', '/activities/999999999', { token: as('viewer', t.B) });
    assertProblem(sib, 404);
    assert.deepEqual({ s: sib.status, d: sib.body.detail, e: sib.body.errors }, { s: none.status, d: none.body.detail, e: none.body.errors });
    const seen = (await listAll(`/activities?under=${t.root}`, as('viewer', t.B1))).items.map((x) => x.id);
    assert.deepEqual(seen, [a.id]);
  });
});

// ---- the list across plans --------------------------------------------------------

describe('GET /activities', () => {
  test('filters: plan, category, lead_unit, unit (lead or coordinating), status, under; from/to overlap', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A);
    const q = await newPlan(t.A1, {}, as('editor', t.A1));
    const month = await addActivity(p.id, tok, { section: 'II.5', category: 'action_month', coordinating_units: [t.B], starts_on: '2019-11-15', ends_on: '2019-12-15' });
    const jan = await addActivity(p.id, tok, { section: 'II.1', category: 'communication', lead_unit: t.A2, starts_on: '2019-01-05', ends_on: '2019-01-20' });
    const open = await addActivity(p.id, tok, { section: 'II.2', category: 'capacity_building' });
    const dayOnly = await addActivity(q.id, as('editor', t.A1), { section: 'I', category: 'communication', ends_on: '2019-11-30', status: 'done', progress: 100 });
    const v = as('viewer', t.root);
    const ids = async (qs) => (await listAll(`/activities?under=${t.root}&${qs}`, v)).items.map((x) => x.id);
    assert.deepEqual(await ids(''), [month.id, jan.id, open.id, dayOnly.id], 'by id');
    assert.deepEqual(await ids(`plan=${p.id}`), [month.id, jan.id, open.id]);
    assert.deepEqual(await ids('category=communication'), [jan.id, dayOnly.id]);
    assert.deepEqual(await ids(`lead_unit=${t.A2}`), [jan.id]);
    assert.deepEqual(await ids(`unit=${t.B}`), [month.id], 'a coordinating unit');
    assert.deepEqual(await ids(`unit=${t.A}`), [month.id, open.id], 'a lead unit');
    assert.deepEqual(await ids('status=done'), [dayOnly.id]);
    assert.deepEqual(await ids('from=2019-11-01&to=2019-11-30'), [month.id, dayOnly.id], 'the Action Month 15/11–15/12 is in November');
    assert.deepEqual(await ids('from=2019-12-10&to=2019-12-31'), [month.id]);
    assert.deepEqual(await ids('from=2019-12-16'), []);
    assert.deepEqual(await ids('to=2019-01-04'), []);
    assert.deepEqual(await ids('to=2019-01-05'), [jan.id]);
    assert.deepEqual((await listAll(`/activities?under=${t.A1}`, v)).items.map((x) => x.id), [dayOnly.id]);
    const page = await listAll(`/activities?under=${t.root}`, v, 3);
    assert.equal(page.pages, 2);
    assert.equal(page.items.length, 4);
  });

  test('bad filter values are 400', async () => {
    const t = await makeTree();
    const tok = as('viewer', t.A);
    for (const qs of ['plan=x', 'plan=0', 'category=party', 'status=late', 'from=2019-02-30', 'to=nov', 'from=2019-12-01&to=2019-11-01', 'lead_unit=a', 'unit=%20', 'under=x y', 'q=x']) {
      assertProblem(await api('GET', `/activities?${qs}`, { token: tok }), 400);
    }
  });
});

// ---- versions, retries and audit ------------------------------------------------------

describe('If-Match, Idempotency-Key, audit', () => {
  test('PUT, PATCH and DELETE need If-Match: 428 without, 412 when stale; DELETE of a draft\'s activity: 204 then 404', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A);
    const a = await addActivity(p.id, tok);
    assertProblem(await api('PUT', `/activities/${a.id}`, { token: tok, body: { section: 'I', title: 'T' } }), 428);
    assertProblem(await api('PATCH', `/activities/${a.id}`, { token: tok, body: { title: 'T' } }), 428);
    assertProblem(await api('DELETE', `/activities/${a.id}`, { token: tok }), 428);
    const put = await api('PUT', `/activities/${a.id}`, { token: tok, body: { section: 'I', title: 'Mới' }, headers: { 'If-Match': '"1"' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.category, 'other');
    assertProblem(await api('PATCH', `/activities/${a.id}`, { token: tok, body: { title: 'Cũ' }, headers: { 'If-Match': '"1"' } }), 412);
    assertProblem(await api('DELETE', `/activities/${a.id}`, { token: tok, headers: { 'If-Match': '"1"' } }), 412);
    const same = await api('PATCH', `/activities/${a.id}`, { token: tok, body: { title: 'Mới' }, headers: { 'If-Match': '"2"' } });
    assert.equal(same.status, 200);
    assert.equal(same.body.version, 2, 'no change, no version');
    assert.equal((await api('GET', `/activities/${a.id}`, { token: tok, headers: { 'If-None-Match': '"2"' } })).status, 304);
    assert.equal((await api('DELETE', `/activities/${a.id}`, { token: tok, headers: { 'If-Match': '"2"' } })).status, 204);
    assertProblem(await api('GET', `/activities/${a.id}`, { token: tok }), 404);
    const rows = await auditRows(a.id);
    assert.deepEqual(rows.map((r) => [r.op, r.actor_sub, r.has_before, r.has_after]), [
      ['create', `editor-${t.A}`, false, true], ['update', `editor-${t.A}`, true, true], ['delete', `editor-${t.A}`, true, false],
    ]);
  });

  test('coordinating units changed with the activity: one version, one revision', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A);
    const a = await addActivity(p.id, tok, { coordinating_units: [t.A1] });
    const r1 = await api('PATCH', `/activities/${a.id}`, { token: tok, body: { coordinating_units: [t.A2, t.B] }, headers: { 'If-Match': '"1"' } });
    assert.equal(r1.status, 200, r1.text);
    assert.deepEqual(r1.body.coordinating_units, [t.A2, t.B].sort());
    assert.equal(r1.body.version, 2);
    const r2 = await api('PATCH', `/activities/${a.id}`, { token: tok, body: { title: 'Đổi', coordinating_units: [t.B] }, headers: { 'If-Match': '"2"' } });
    assert.equal(r2.body.version, 3);
    assert.deepEqual((await auditRows(a.id)).map((r) => r.op), ['create', 'update', 'update']);
  });

  test('POST with an Idempotency-Key creates one activity; another body with the key is 422', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A);
    const body = { section: 'II.1', title: 'Một lần' };
    const first = await api('POST', `/plans/${p.id}/activities`, { token: tok, body, headers: { 'Idempotency-Key': `act-${t.prefix}` } });
    assert.equal(first.status, 201, first.text);
    const again = await api('POST', `/plans/${p.id}/activities`, { token: tok, body, headers: { 'Idempotency-Key': `act-${t.prefix}` }, validate: false });
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal((await listAll(`/plans/${p.id}/activities`, tok)).items.length, 1);
    assertProblem(await api('POST', `/plans/${p.id}/activities`, { token: tok, body: { ...body, title: 'Khác' }, headers: { 'Idempotency-Key': `act-${t.prefix}` } }), 422, { fields: ['Idempotency-Key'] });
  });

  test('status updates after issue are audited with the new status', async () => {
    const t = await makeTree();
    const tok = as('editor', t.A);
    const p = await newPlan(t.A);
    const a = await addActivity(p.id, tok);
    await issue(p.id, t.A);
    await api('PATCH', `/activities/${a.id}`, { token: tok, body: { status: 'in_progress', progress: 30 }, headers: { 'If-Match': '"1"' } });
    await api('PATCH', `/activities/${a.id}`, { token: tok, body: { title: 'X' }, headers: { 'If-Match': '"2"' } }); // 409, not audited
    const rows = await auditRows(a.id);
    assert.deepEqual(rows.map((r) => [r.op, r.status]), [['create', 'planned'], ['update', 'in_progress']]);
  });
});
