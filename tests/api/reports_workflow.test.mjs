// reports_workflow.test.mjs: /reports — create, read, replace, patch,
// delete; who reads and writes; the rules on values and activity results;
// the workflow draft → submitted → accepted | returned → resubmitted, with
// the roles it takes; timeliness across midnight in Vietnam's time zone;
// the audit trail of every step; lists and filters; the document.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertProblem } from './lib.mjs';
import {
  as, createReport, fileReport, makeIndicator, makeOrg, makePlan, psql, rapi, setClock, sqlJson,
} from './reports_lib.mjs';

const H1 = '2024-H1';

// An organisation and an issued plan of its Sở Y tế addressed to A, B, C.
async function setup(reporting) {
  const o = await makeOrg();
  const plan = await makePlan({ issuer: o.SYT, recipients: [o.A, o.B, o.C], ...(reporting ? { reporting } : {}) });
  return { o, plan };
}

function values(f, m) {
  return [
    { indicator: 'GEN-0401', value: 3 },
    { indicator: 'GEN-0402', sex: 'female', value: f },
    { indicator: 'GEN-0402', sex: 'male', value: m },
  ];
}

describe('create and read', () => {
  test('POST /reports: 201, Location, ETag "1"; due date, addressee and the derived total; GET answers the same', async () => {
    const { o, plan } = await setup();
    const res = await rapi('POST', '/reports', {
      token: as.editor(o.B),
      body: {
        plan: plan.id, unit: o.B, period: H1, results: 'Đã tổ chức 03 buổi truyền thông.',
        difficulties: 'Thiếu kinh phí.', recommendations: 'Đề nghị bố trí kinh phí.',
        values: values(46, 21),
        activity_results: [{ activity: plan.activities[0], status: 'done', sessions: 3, participants_female: 46, participants_male: 21 }],
      },
    });
    assert.equal(res.status, 201, res.text);
    const r = res.body;
    assert.equal(res.headers.get('location'), `/api/v1/reports/${r.id}`);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(r.plan, plan.id);
    assert.equal(r.unit, o.B);
    assert.equal(r.to_unit, o.SYT);
    assert.equal(r.own, false);
    assert.equal(r.period, H1);
    assert.equal(r.due_on, '2024-05-25');
    assert.equal(r.status, 'draft');
    assert.equal(r.version, 1);
    assert.equal(r.on_time, null);
    assert.equal(r.submitted_at, null);
    assert.deepEqual(r.values, [
      { indicator: 'GEN-0401', sex: 'total', value: 3 },
      { indicator: 'GEN-0402', sex: 'female', value: 46 },
      { indicator: 'GEN-0402', sex: 'male', value: 21 },
      { indicator: 'GEN-0402', sex: 'total', value: 67 },
    ]);
    assert.deepEqual(r.activity_results, [{ activity: plan.activities[0], status: 'done', sessions: 3,
      participants_female: 46, participants_male: 21, notes: null }]);
    const got = await rapi('GET', `/reports/${r.id}`, { token: as.viewer(o.B) });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('etag'), '"1"');
    assert.deepEqual(got.body, r);
    // One create revision, holding the values written in the same request.
    const audit = await sqlJson(`SELECT json_agg(json_build_object('op', op, 'key', key, 'n', jsonb_array_length(after->'values'),
      'actor', actor_sub) ORDER BY revision) FROM bdg.audit WHERE resource = 'report' AND resource_id = :'id'`, { id: r.id });
    assert.equal(audit.length, 1);
    assert.equal(audit[0].op, 'create');
    assert.equal(audit[0].n, 4);
    assert.equal(audit[0].actor, `editor-${o.B}`);
    assert.match(audit[0].key, new RegExp(` ${o.B} ${H1}$`));
  });

  test('the reporting unit\'s subtree and the issuing unit (and above) read it; a sibling or a subunit does not (404)', async () => {
    const { o, plan } = await setup();
    const r = await createReport(as.editor(o.B), { plan: plan.id, unit: o.B, period: H1 });
    for (const u of [o.B, o.SYT, o.root]) {
      const res = await rapi('GET', `/reports/${r.id}`, { token: as.viewer(u) });
      assert.equal(res.status, 200, `${u}: ${res.text}`);
    }
    for (const u of [o.A, o.BK, o.HT]) {
      assertProblem(await rapi('GET', `/reports/${r.id}`, { token: as.viewer(u) }), 404, { type: 'not_found' });
    }
    assertProblem(await rapi('GET', '/reports/999999999', { token: as.viewer(o.root) }), 404);
    assertProblem(await rapi('GET', '/reports/abc', { token: as.viewer(o.root) }), 404);
  });

  test('one report per plan, unit and period: 409', async () => {
    const { o, plan } = await setup();
    await createReport(as.editor(o.A), { plan: plan.id, unit: o.A, period: H1 });
    const res = await rapi('POST', '/reports', { token: as.editor(o.A), body: { plan: plan.id, unit: o.A, period: H1 } });
    assertProblem(res, 409, { type: 'conflict', fields: ['/period'] });
    const other = await rapi('POST', '/reports', { token: as.editor(o.A), body: { plan: plan.id, unit: o.A, period: '2024' } });
    assert.equal(other.status, 201, other.text);
  });

  test('Idempotency-Key: a retry gets the first answer and creates nothing more', async () => {
    const { o, plan } = await setup();
    const headers = { 'Idempotency-Key': `rep-${o.prefix}` };
    const body = { plan: plan.id, unit: o.C, period: H1 };
    const a = await rapi('POST', '/reports', { token: as.editor(o.C), body, headers });
    const b = await rapi('POST', '/reports', { token: as.editor(o.C), body, headers });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    assert.equal(b.body.id, a.body.id);
    const n = await sqlJson(`SELECT count(*) FROM bdg.report r JOIN bdg.unit u ON u.id = r.unit_id WHERE u.code = :'u'`, { u: o.C });
    assert.equal(n, 1);
  });
});

describe('what a report may say', () => {
  test('the period must be one of the plan\'s reporting entries (422 /period)', async () => {
    const { o, plan } = await setup();
    assertProblem(await rapi('POST', '/reports', { token: as.editor(o.A), body: { plan: plan.id, unit: o.A, period: '2024-Q3' } }),
      422, { fields: ['/period'], detail: /no reporting period 2024-Q3/ });
    assertProblem(await rapi('POST', '/reports', { token: as.editor(o.A), body: { plan: plan.id, unit: o.A, period: '2024-H3' } }),
      422, { fields: ['/period'] });
  });

  test('the unit must be a recipient of the plan or its issuer (422 /unit); within reach', async () => {
    const { o, plan } = await setup();
    assertProblem(await rapi('POST', '/reports', { token: as.editor(o.SYT), body: { plan: plan.id, unit: o.BK, period: H1 } }),
      422, { fields: ['/unit'], detail: /neither a recipient nor the issuer/ });
    assertProblem(await rapi('POST', '/reports', { token: as.editor(o.A), body: { plan: plan.id, unit: o.B, period: H1 } }),
      422, { fields: ['/unit'], detail: /within your reach/ });
  });

  test('the plan must be issued (422 /plan); a plan out of reach is not named', async () => {
    const o = await makeOrg();
    const draft = await makePlan({ issuer: o.SYT, recipients: [o.A], status: 'draft' });
    assertProblem(await rapi('POST', '/reports', { token: as.editor(o.A), body: { plan: draft.id, unit: o.A, period: H1 } }),
      422, { fields: ['/plan'], detail: /only an issued plan/ });
    const foreign = await makePlan({ issuer: o.HT, recipients: [o.HTX] });
    assertProblem(await rapi('POST', '/reports', { token: as.editor(o.A), body: { plan: foreign.id, unit: o.A, period: H1 } }),
      422, { fields: ['/plan'], detail: /^no such plan$/ });
  });

  test('unknown fields, wrong types and bad enums are 422, each named', async () => {
    const { o, plan } = await setup();
    const res = await rapi('POST', '/reports', {
      token: as.editor(o.A),
      body: { plan: plan.id, unit: o.A, period: H1, colour: 'red', results: 5,
        values: [{ indicator: 'GEN-0401', sex: 'both', value: -1 }],
        activity_results: [{ activity: plan.activities[0], status: 'finished', participants_male: -3 }] },
    });
    assertProblem(res, 422, { type: 'validation', fields: ['/colour', '/results', '/values/0/sex', '/values/0/value',
      '/activity_results/0/status', '/activity_results/0/participants_male'] });
  });

  test('values: totals derived and checked, sexes by disaggregation, whole counts, percents 0-100, ratios computed', async () => {
    const { o, plan } = await setup();
    const post = (vals) => rapi('POST', '/reports', { token: as.editor(o.A), body: { plan: plan.id, unit: o.A, period: H1, values: vals } });
    assertProblem(await post([
      { indicator: 'GEN-0201', sex: 'female', value: 40 }, { indicator: 'GEN-0201', sex: 'male', value: 20 },
      { indicator: 'GEN-0201', sex: 'total', value: 61 }]), 422, { fields: ['/values/2/value'], detail: /female \+ male = 60/ });
    assertProblem(await post([{ indicator: 'GEN-0201', sex: 'female', value: 40 }]), 422,
      { fields: ['/values/0/sex'], detail: /give female and male/ });
    assertProblem(await post([{ indicator: 'GEN-0401', sex: 'female', value: 4 }]), 422,
      { fields: ['/values/0/sex'], detail: /not disaggregated by sex/ });
    assertProblem(await post([{ indicator: 'GEN-0401', value: 2.5 }]), 422, { fields: ['/values/0/value'], detail: /whole number/ });
    assertProblem(await post([{ indicator: 'GEN-0202', value: 61.5 }]), 422,
      { fields: ['/values/0/indicator'], detail: /computed \(100 × GEN-0201\[female\] \/ GEN-0201\[total\]\)/ });
    assertProblem(await post([{ indicator: 'GEN-9999', value: 1 }]), 422, { fields: ['/values/0/indicator'], detail: /no such indicator/ });
    assertProblem(await post([{ indicator: 'GEN-0401', value: 1 }, { indicator: 'GEN-0401', sex: 'total', value: 2 }]), 422,
      { fields: ['/values/1'], detail: /given twice/ });
    const pct = await makeIndicator({ measure: 'percent', aggregation: 'max', sexDisaggregated: false });
    assertProblem(await post([{ indicator: pct, value: 100.5 }]), 422, { fields: ['/values/0/value'], detail: /between 0 and 100/ });
    // Nothing was written by the refused requests.
    assert.equal(await sqlJson(`SELECT count(*) FROM bdg.report WHERE plan_id = :'p'`, { p: plan.id }), 0);
    // A consistent set: the total is derived, the ratio computed from the parts.
    const ok = await post([{ indicator: 'GEN-0201', sex: 'male', value: 20 }, { indicator: 'GEN-0201', sex: 'female', value: 40 },
      { indicator: pct, value: 99.5 }]);
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.body.values.filter((v) => v.indicator === 'GEN-0201'), [
      { indicator: 'GEN-0201', sex: 'female', value: 40 }, { indicator: 'GEN-0201', sex: 'male', value: 20 },
      { indicator: 'GEN-0201', sex: 'total', value: 60 }]);
    assert.deepEqual(ok.body.values.find((v) => v.indicator === pct), { indicator: pct, sex: 'total', value: 99.5 });
    assert.deepEqual(ok.body.ratios, [{ indicator: 'GEN-0202', sex: 'total', value: 66.67 }]);
  });

  test('activity results only for activities of the report\'s plan (422 /activity_results/i/activity)', async () => {
    const { o, plan } = await setup();
    const other = await makePlan({ issuer: o.SYT, recipients: [o.A] });
    const res = await rapi('POST', '/reports', {
      token: as.editor(o.A),
      body: { plan: plan.id, unit: o.A, period: H1, activity_results: [
        { activity: plan.activities[0], status: 'done' }, { activity: other.activities[0], status: 'partly' }] },
    });
    assertProblem(res, 422, { fields: ['/activity_results/1/activity'], detail: /not an activity of plan/ });
    const dup = await rapi('POST', '/reports', {
      token: as.editor(o.A),
      body: { plan: plan.id, unit: o.A, period: H1, activity_results: [
        { activity: plan.activities[0], status: 'done' }, { activity: plan.activities[0], status: 'partly' }] },
    });
    assertProblem(dup, 422, { fields: ['/activity_results/1/activity'], detail: /given twice/ });
  });

  test('the database refuses the same rules to any writer (psql)', async () => {
    const { o, plan } = await setup();
    const r = await createReport(as.editor(o.A), { plan: plan.id, unit: o.A, period: H1, values: values(5, 6) });
    await assert.rejects(psql(`UPDATE bdg.report_value SET value = 99 WHERE report_id = ${r.id} AND sex = 'total'
      AND indicator_id = (SELECT id FROM bdg.indicator WHERE code = 'GEN-0402');\n`), /female \+ male = 11/);
    await assert.rejects(psql(`INSERT INTO bdg.report_value (report_id, indicator_id, sex, value)
      SELECT ${r.id}, id, 'total', 50 FROM bdg.indicator WHERE code = 'GEN-0202';\n`), /is computed/);
    await assert.rejects(psql(`UPDATE bdg.report SET on_time = true, days_late = 0 WHERE id = ${r.id};\n`), /change only with its status/);
    await assert.rejects(psql(`UPDATE bdg.report SET status = 'accepted', accepted_at = now() WHERE id = ${r.id};\n`), /cannot become accepted/);
  });
});

describe('replace, patch, delete', () => {
  test('PUT needs If-Match (428), a stale one is 412; keys cannot change; an unchanged PUT keeps the version', async () => {
    const { o, plan } = await setup();
    const r = await createReport(as.editor(o.A), { plan: plan.id, unit: o.A, period: H1, values: values(1, 2) });
    const body = { plan: plan.id, unit: o.A, period: H1, results: 'Đã sửa', values: values(3, 4) };
    assertProblem(await rapi('PUT', `/reports/${r.id}`, { token: as.editor(o.A), body }), 428);
    assertProblem(await rapi('PUT', `/reports/${r.id}`, { token: as.editor(o.A), body, headers: { 'If-Match': '"7"' } }), 412);
    assertProblem(await rapi('PUT', `/reports/${r.id}`, { token: as.editor(o.A), body: { ...body, period: '2024' },
      headers: { 'If-Match': '"1"' } }), 422, { fields: ['/period'] });
    const put = await rapi('PUT', `/reports/${r.id}`, { token: as.editor(o.A), body, headers: { 'If-Match': '"1"' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.version, 2);
    assert.equal(put.body.results, 'Đã sửa');
    assert.equal(put.body.values.find((v) => v.indicator === 'GEN-0402' && v.sex === 'total').value, 7);
    const again = await rapi('PUT', `/reports/${r.id}`, { token: as.editor(o.A), body, headers: { 'If-Match': '"2"' } });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.version, 2, 'nothing changed: same version');
    // The whole document read back may be PUT again as is (read-only fields ignored).
    const back = await rapi('PUT', `/reports/${r.id}`, { token: as.editor(o.A), body: again.body, headers: { 'If-Match': '"2"' } });
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body.version, 2);
  });

  test('PATCH merges; an editor above the unit writes it; the issuer of another branch does not (403)', async () => {
    const { o, plan } = await setup();
    const r = await createReport(as.editor(o.A), { plan: plan.id, unit: o.A, period: H1, values: values(1, 2) });
    const res = await rapi('PATCH', `/reports/${r.id}`, {
      token: as.editor(o.SYT), body: { recommendations: 'Đề nghị tập huấn' },
      headers: { 'If-Match': '"1"', 'Content-Type': 'application/merge-patch+json' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.recommendations, 'Đề nghị tập huấn');
    assert.equal(res.body.values.length, 4, 'values kept');
    assert.equal(res.body.version, 2);
    // A plan issued by the district to a unit of the health department: the
    // district reads the report (it is the addressee) but does not write it.
    const cross = await makePlan({ issuer: o.HT, recipients: [o.A] });
    const x = await createReport(as.editor(o.A), { plan: cross.id, unit: o.A, period: H1 });
    assert.equal(x.to_unit, o.HT);
    assert.equal((await rapi('GET', `/reports/${x.id}`, { token: as.viewer(o.HT) })).status, 200);
    assertProblem(await rapi('PATCH', `/reports/${x.id}`, { token: as.editor(o.HT), body: { results: 'x' },
      headers: { 'If-Match': '"1"' } }), 403);
    assertProblem(await rapi('DELETE', `/reports/${x.id}`, { token: as.editor(o.HT), headers: { 'If-Match': '"1"' } }), 403);
    assertProblem(await rapi('PATCH', `/reports/${x.id}`, { token: as.editor(o.HTX), body: { results: 'x' },
      headers: { 'If-Match': '"1"' } }), 404);
    // Its audit rows are visible to the district (scope outside the reporting unit's line).
    const audit = await rapi('GET', `/audit?resource=report&id=${x.id}`, { token: as.viewer(o.HT), validate: false });
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.body.items.length, 1);
    const auditA = await rapi('GET', `/audit?resource=report&id=${x.id}`, { token: as.viewer(o.A), validate: false });
    assert.equal(auditA.body.items.length, 1);
    const auditX = await rapi('GET', `/audit?resource=report&id=${x.id}`, { token: as.viewer(o.HTX), validate: false });
    assert.equal(auditX.body.items.length, 0);
  });

  test('DELETE: drafts only (409 otherwise); audited', async () => {
    const { o, plan } = await setup();
    const r = await createReport(as.editor(o.A), { plan: plan.id, unit: o.A, period: H1, values: values(1, 1) });
    const del = await rapi('DELETE', `/reports/${r.id}`, { token: as.editor(o.A), headers: { 'If-Match': '"1"' } });
    assert.equal(del.status, 204, del.text);
    assertProblem(await rapi('GET', `/reports/${r.id}`, { token: as.viewer(o.A) }), 404);
    const ops = await sqlJson(`SELECT json_agg(op ORDER BY revision) FROM bdg.audit WHERE resource = 'report' AND resource_id = :'id'`, { id: r.id });
    assert.deepEqual(ops, ['create', 'delete']);
    const s = await fileReport({ plan: plan.id, unit: o.B, values: values(1, 1) });
    assertProblem(await rapi('DELETE', `/reports/${s.id}`, { token: as.editor(o.B), headers: { 'If-Match': '"2"' } }), 409,
      { detail: /only drafts are deleted/ });
  });
});

describe('the workflow', () => {
  test('editors cannot submit (403); only an approver of the reporting unit itself submits', async () => {
    const { o, plan } = await setup();
    const r = await createReport(as.editor(o.B), { plan: plan.id, unit: o.B, period: H1 });
    assertProblem(await rapi('POST', `/reports/${r.id}/submit`, { token: as.editor(o.B) }), 403, { type: 'forbidden' });
    assertProblem(await rapi('POST', `/reports/${r.id}/submit`, { token: as.approver(o.SYT) }), 403, { detail: /only an approver of/ });
    assertProblem(await rapi('POST', `/reports/${r.id}/submit`, { token: as.approver(o.A) }), 404);
    const res = await rapi('POST', `/reports/${r.id}/submit`, { token: as.approver(o.B) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'submitted');
    assert.equal(res.body.submitted_by, `approver-${o.B}`);
    assert.equal(res.body.version, 2);
    assert.equal(res.headers.get('etag'), '"2"');
    assertProblem(await rapi('POST', `/reports/${r.id}/submit`, { token: as.approver(o.B) }), 409);
  });

  test('values are frozen after submission: PUT, PATCH, DELETE are 409', async () => {
    const { o, plan } = await setup();
    const s = await fileReport({ plan: plan.id, unit: o.A, values: values(2, 3) });
    const h = { 'If-Match': `"${s.version}"` };
    assertProblem(await rapi('PATCH', `/reports/${s.id}`, { token: as.editor(o.A), headers: h,
      body: { values: values(9, 9) } }), 409, { type: 'conflict', detail: /is submitted: its content can no longer be changed/ });
    assertProblem(await rapi('PUT', `/reports/${s.id}`, { token: as.editor(o.A), headers: h,
      body: { plan: plan.id, unit: o.A, period: H1, values: values(2, 3) } }), 409);
    assertProblem(await rapi('DELETE', `/reports/${s.id}`, { token: as.editor(o.A), headers: h }), 409);
    await assert.rejects(psql(`DELETE FROM bdg.report_value WHERE report_id = ${s.id};\n`), /can no longer be changed/);
    const got = await rapi('GET', `/reports/${s.id}`, { token: as.viewer(o.A) });
    assert.equal(got.body.version, s.version);
    assert.equal(got.body.values.find((v) => v.sex === 'female' && v.indicator === 'GEN-0402').value, 2);
  });

  test('accept: only an approver of the issuing unit; a sibling or a subunit cannot (404), the reporter or a unit above cannot (403)', async () => {
    const { o, plan } = await setup();
    const s = await fileReport({ plan: plan.id, unit: o.B, values: values(1, 1) });
    assertProblem(await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.A) }), 404, { type: 'not_found' });
    assertProblem(await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.BK) }), 404);
    assertProblem(await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.HT) }), 404);
    assertProblem(await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.B) }), 403, { detail: /only an approver of/ });
    assertProblem(await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.root) }), 403);
    assertProblem(await rapi('POST', `/reports/${s.id}/accept`, { token: as.editor(o.SYT) }), 403);
    assertProblem(await rapi('POST', `/reports/${s.id}/return`, { token: as.approver(o.A), body: { reason: 'x' } }), 404);
    assertProblem(await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.SYT), headers: { 'If-Match': '"1"' } }), 412);
    const ok = await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.SYT), headers: { 'If-Match': `"${s.version}"` } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.status, 'accepted');
    assert.equal(ok.body.accepted_by, `approver-${o.SYT}`);
    assert.ok(ok.body.accepted_at);
    assertProblem(await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.SYT) }), 409);
    assertProblem(await rapi('POST', `/reports/${s.id}/return`, { token: as.approver(o.SYT), body: { reason: 'x' } }), 409);
  });

  test('a draft cannot be accepted or returned (409); return needs a reason (422)', async () => {
    const { o, plan } = await setup();
    const r = await createReport(as.editor(o.A), { plan: plan.id, unit: o.A, period: H1 });
    assertProblem(await rapi('POST', `/reports/${r.id}/accept`, { token: as.approver(o.SYT) }), 409);
    await rapi('POST', `/reports/${r.id}/submit`, { token: as.approver(o.A) });
    assertProblem(await rapi('POST', `/reports/${r.id}/return`, { token: as.approver(o.SYT), body: {} }), 422, { fields: ['/reason'] });
    assertProblem(await rapi('POST', `/reports/${r.id}/return`, { token: as.approver(o.SYT), body: { reason: '   ' } }), 422, { fields: ['/reason'] });
    assertProblem(await rapi('POST', `/reports/${r.id}/return`, { token: as.approver(o.SYT) }), 400);
  });

  test('a returned report is corrected and resubmitted; every step is audited with who did it', async () => {
    const { o, plan } = await setup();
    await setClock(o.B, '2024-05-24T10:00:00+07:00');
    const s = await fileReport({ plan: plan.id, unit: o.B, values: values(10, 5) });
    assert.equal(s.on_time, true);
    const ret = await rapi('POST', `/reports/${s.id}/return`, {
      token: as.approver(o.SYT), body: { reason: 'Thiếu số liệu chỉ tiêu GEN-0405 chia theo giới tính' },
    });
    assert.equal(ret.status, 200, ret.text);
    assert.equal(ret.body.status, 'returned');
    assert.equal(ret.body.return_reason, 'Thiếu số liệu chỉ tiêu GEN-0405 chia theo giới tính');
    assert.equal(ret.body.returned_by, `approver-${o.SYT}`);
    // Editable again: the unit adds what was missing.
    const fixed = await rapi('PATCH', `/reports/${s.id}`, {
      token: as.editor(o.B), headers: { 'If-Match': `"${ret.body.version}"` },
      body: { values: [...values(10, 5), { indicator: 'GEN-0405', sex: 'female', value: 6 }, { indicator: 'GEN-0405', sex: 'male', value: 2 }] },
    });
    assert.equal(fixed.status, 200, fixed.text);
    assert.equal(fixed.body.status, 'returned');
    // Resubmitted after the deadline: it stays on time (timeliness is of the first submission).
    await setClock(o.B, '2024-05-29T09:00:00+07:00');
    const re = await rapi('POST', `/reports/${s.id}/submit`, { token: as.approver(o.B) });
    assert.equal(re.status, 200, re.text);
    assert.equal(re.body.status, 'submitted');
    assert.equal(re.body.on_time, true);
    assert.equal(re.body.days_late, 0);
    assert.equal(re.body.first_submitted_at, s.submitted_at);
    assert.equal(re.body.submitted_at, '2024-05-29T02:00:00+00:00');
    const acc = await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.SYT) });
    assert.equal(acc.status, 200);
    assert.equal(acc.body.values.find((v) => v.indicator === 'GEN-0405' && v.sex === 'total').value, 8);
    await setClock(o.B, null);
    const trail = await sqlJson(`SELECT json_agg(json_build_object('op', op, 'from', before->>'status', 'to', after->>'status',
      'sub', actor_sub, 'role', actor_role, 'v', after->'version') ORDER BY revision)
      FROM bdg.audit WHERE resource = 'report' AND resource_id = :'id'`, { id: s.id });
    assert.deepEqual(trail.map((t) => [t.op, t.from, t.to, t.sub]), [
      ['create', null, 'draft', `editor-${o.B}`],
      ['update', 'draft', 'submitted', `approver-${o.B}`],
      ['update', 'submitted', 'returned', `approver-${o.SYT}`],
      ['update', 'returned', 'returned', `editor-${o.B}`],
      ['update', 'returned', 'submitted', `approver-${o.B}`],
      ['update', 'submitted', 'accepted', `approver-${o.SYT}`],
    ]);
    assert.deepEqual(trail.map((t) => t.v), [1, 2, 3, 4, 5, 6]);
    // The changes feed carries them to the issuing unit.
    const feed = await rapi('GET', '/changes?since=0&types=report&limit=1000&under=' + o.B, { token: as.viewer(o.SYT), validate: false });
    assert.equal(feed.status, 200, feed.text);
    assert.equal(feed.body.items.filter((c) => c.id === s.id).length, 6);
  });
});

describe('on time, in Vietnam\'s time zone', () => {
  // Due 25/5/2024: 23:59:59 that day in Hà Nội (16:59:59 UTC) is on time;
  // 00:00:00 on the 26th (17:00 UTC on the 25th!) is one day late.
  const cases = [
    ['2024-05-25T16:59:59Z', true, 0],
    ['2024-05-25T17:00:00Z', false, 1],
    ['2024-05-25T18:30:00Z', false, 1],
    ['2024-05-24T23:30:00+07:00', true, 0],
    ['2024-05-27T23:59:59+07:00', false, 2],
    ['2024-05-25T00:00:00+07:00', true, 0],
  ];
  for (const [at, onTime, late] of cases) {
    test(`submitted at ${at} for 2024-05-25: on_time ${onTime}, ${late} day(s) late`, async () => {
      const { o, plan } = await setup();
      await setClock(o.C, at);
      try {
        const s = await fileReport({ plan: plan.id, unit: o.C });
        assert.equal(s.submitted_at, new Date(at).toISOString().replace('.000Z', '+00:00'));
        assert.equal(s.on_time, onTime);
        assert.equal(s.days_late, late);
        // Kept: accepting does not recompute.
        const acc = await rapi('POST', `/reports/${s.id}/accept`, { token: as.approver(o.SYT) });
        assert.equal(acc.body.on_time, onTime);
        assert.equal(acc.body.days_late, late);
      } finally {
        await setClock(o.C, null);
      }
    });
  }

  test('the test clock of one unit does not move another\'s', async () => {
    const { o, plan } = await setup();
    await setClock(o.A, '2020-01-01T00:00:00Z');
    try {
      const s = await fileReport({ plan: plan.id, unit: o.B });
      assert.ok(new Date(s.submitted_at).getFullYear() >= 2025, s.submitted_at);
    } finally {
      await setClock(o.A, null);
    }
  });
});

describe('an issuing unit\'s own report', () => {
  test('goes to the issuer of the plan it implements, with that plan\'s deadline; else to the parent unit', async () => {
    const o = await makeOrg();
    const top = await makePlan({ issuer: o.root, recipients: [o.SYT, o.HT], reporting: { 2024: '2024-12-05' } });
    const plan = await makePlan({ issuer: o.SYT, recipients: [o.A, o.B], parent: top.id,
      reporting: { 2024: '2024-11-25', '2024-H1': '2024-05-25' } });
    const own = await createReport(as.editor(o.SYT), { plan: plan.id, unit: o.SYT, period: '2024' });
    assert.equal(own.own, true);
    assert.equal(own.to_unit, o.root);
    assert.equal(own.due_on, '2024-12-05');
    const ownH1 = await createReport(as.editor(o.SYT), { plan: plan.id, unit: o.SYT, period: H1 });
    assert.equal(ownH1.due_on, '2024-05-25');
    const lone = await makePlan({ issuer: o.HT, recipients: [o.HTX] });
    const ht = await createReport(as.editor(o.HT), { plan: lone.id, unit: o.HT, period: H1 });
    assert.equal(ht.to_unit, o.root);
    // Submitted by the issuing unit's approver, accepted by the unit above.
    await rapi('POST', `/reports/${own.id}/submit`, { token: as.approver(o.SYT) });
    assertProblem(await rapi('POST', `/reports/${own.id}/accept`, { token: as.approver(o.SYT) }), 403);
    const acc = await rapi('POST', `/reports/${own.id}/accept`, { token: as.approver(o.root) });
    assert.equal(acc.status, 200, acc.text);
  });
});

describe('lists', () => {
  test('filters: plan, unit, under, period, status, overdue with as_of; paging', async () => {
    const { o, plan } = await setup();
    const a = await fileReport({ plan: plan.id, unit: o.A, final: 'accepted', to: o.SYT });
    const b = await createReport(as.editor(o.B), { plan: plan.id, unit: o.B, period: H1 });
    const c = await createReport(as.editor(o.C), { plan: plan.id, unit: o.C, period: '2024' });
    const ids = async (q, tok = as.viewer(o.SYT)) => {
      const res = await rapi('GET', `/reports?${q}`, { token: tok });
      assert.equal(res.status, 200, res.text);
      return res.body.items.map((r) => r.id);
    };
    assert.deepEqual(await ids(`plan=${plan.id}`), [a.id, b.id, c.id]);
    assert.deepEqual(await ids(`plan=${plan.id}&unit=${o.B}`), [b.id]);
    assert.deepEqual(await ids(`under=${o.SYT}&period=2024`), [c.id]);
    assert.deepEqual(await ids(`plan=${plan.id}&status=accepted`), [a.id]);
    assert.deepEqual(await ids(`plan=${plan.id}&overdue=true&as_of=2024-06-01`), [b.id]);
    assert.deepEqual(await ids(`plan=${plan.id}&overdue=true&as_of=2024-11-26`), [b.id, c.id]);
    assert.deepEqual(await ids(`plan=${plan.id}&overdue=true&as_of=2024-05-25`), []);
    assert.deepEqual(await ids(`plan=${plan.id}`, as.viewer(o.A)), [a.id]);
    const p1 = await rapi('GET', `/reports?plan=${plan.id}&limit=2`, { token: as.viewer(o.SYT) });
    assert.equal(p1.body.items.length, 2);
    assert.ok(p1.body.next);
    const p2 = await rapi('GET', `/reports?plan=${plan.id}&limit=2&after=${p1.body.next}`, { token: as.viewer(o.SYT) });
    assert.deepEqual(p2.body.items.map((r) => r.id), [c.id]);
    assert.equal(p2.body.next, null);
    for (const q of ['status=lost', 'period=2024-H3', 'overdue=yes', 'as_of=2024-02-30', 'plan=x', 'unit=bad code', 'sort=id']) {
      assertProblem(await rapi('GET', `/reports?${q}`, { token: as.viewer(o.SYT) }), 400);
    }
  });
});

describe('the document', () => {
  test('GET /reports/{id}/document: the administrative layout, every field escaped', async () => {
    const { o, plan } = await setup();
    await setClock(o.A, '2024-05-24T10:00:00+07:00');
    try {
      const s = await fileReport({
        plan: plan.id, unit: o.A, values: values(46, 21),
        activity_results: [{ activity: plan.activities[0], status: 'partly', sessions: 3, participants_female: 46,
          participants_male: 21, notes: '<b>ghi chú</b>' }],
        texts: { results: 'Kết quả <script>alert(1)</script>', difficulties: 'Khó khăn & vướng mắc', recommendations: 'Kiến nghị "A"' },
      });
      const res = await rapi('GET', `/reports/${s.id}/document`, { token: as.viewer(o.SYT) });
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type'), /^text\/html/);
      assert.equal(res.headers.get('etag'), `"${s.version}"`);
      const h = res.text;
      assert.match(h, /BÁO CÁO/);
      assert.match(h, /Kết quả thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ 6 tháng đầu năm 2024/);
      assert.match(h, /ngày 24 tháng 5 năm 2024/);
      for (const s2 of ['I. KẾT QUẢ THỰC HIỆN', 'II. CHỈ TIÊU', 'III. KHÓ KHĂN, VƯỚNG MẮC', 'IV. KIẾN NGHỊ', 'Nơi nhận:']) {
        assert.ok(h.includes(s2), s2);
      }
      assert.ok(h.includes('- Sở Y tế tỉnh Thừa Thiên Huế;'), 'Nơi nhận names the issuing unit');
      assert.ok(h.includes('Thực hiện một phần'));
      assert.ok(h.includes('Số lượt người được truyền thông về bình đẳng giới'));
      assert.ok(!h.includes('<script>'));
      assert.ok(h.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
      assert.ok(h.includes('&lt;b&gt;ghi chú&lt;/b&gt;'));
      assert.ok(h.includes('Khó khăn &amp; vướng mắc'));
      assert.ok(h.includes('Kiến nghị &quot;A&quot;'));
      const year = await createReport(as.editor(o.A), { plan: plan.id, unit: o.A, period: '2024' });
      const y = await rapi('GET', `/reports/${year.id}/document`, { token: as.viewer(o.A) });
      assert.match(y.text, /vì sự tiến bộ của phụ nữ năm 2024/);
      assert.match(y.text, /\(Dự thảo\)/);
      assertProblem(await rapi('GET', `/reports/${s.id}/document`, { token: as.viewer(o.B) }), 404);
    } finally {
      await setClock(o.A, null);
    }
  });
});
