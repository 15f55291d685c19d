// reports_rollup.test.mjs: GET /units/{code}/rollup (only accepted
// reports count unless include=submitted; the same answer as adding the
// reports by hand; sum, ratio, max, latest; each unit once; own reports
// left out; the missing units) and POST /reports/{id}/consolidate.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertProblem } from './lib.mjs';
import { as, createReport, fileReport, makeIndicator, makeOrg, makePlan, rapi } from './reports_lib.mjs';

const H1 = '2024-H1';

const v = (indicator, f, m) => (m === undefined
  ? [{ indicator, value: f }]
  : [{ indicator, sex: 'female', value: f }, { indicator, sex: 'male', value: m }]);

// Sở Y tế's plan to A, B, C: A and B accepted, C only submitted.
async function scene() {
  const o = await makeOrg();
  const plan = await makePlan({ issuer: o.SYT, recipients: [o.A, o.B, o.C] });
  const [act0, act1] = plan.activities;
  const a = await fileReport({
    plan: plan.id, unit: o.A, final: 'accepted', to: o.SYT,
    values: [...v('GEN-0402', 10, 5), ...v('GEN-0201', 30, 10), ...v('GEN-0401', 2)],
    activity_results: [{ activity: act0, status: 'done', sessions: 2, participants_female: 10, participants_male: 5 },
      { activity: act1, status: 'done', sessions: 1, participants_female: 4, participants_male: 0 }],
    texts: { results: 'Đã truyền thông 02 buổi.', difficulties: 'Thiếu kinh phí.', recommendations: 'Bố trí kinh phí.' },
  });
  const b = await fileReport({
    plan: plan.id, unit: o.B, final: 'accepted', to: o.SYT,
    values: [...v('GEN-0402', 20, 7), ...v('GEN-0201', 15, 15), ...v('GEN-0401', 3)],
    activity_results: [{ activity: act0, status: 'partly', sessions: 1, participants_female: 20, participants_male: 7 }],
    texts: { difficulties: 'Cán bộ kiêm nhiệm.' },
  });
  const c = await fileReport({
    plan: plan.id, unit: o.C, values: [...v('GEN-0402', 100, 100), ...v('GEN-0201', 1, 1)],
  });
  return { o, plan, a, b, c };
}

function cell(rollup, indicator, sex = 'total') {
  const i = rollup.indicators.find((x) => x.indicator === indicator);
  return i.values.find((x) => x.sex === sex).value;
}

// Σ of each indicator and sex over reports, by hand.
function addByHand(reports) {
  const s = {};
  for (const r of reports) for (const x of r.values) s[`${x.indicator} ${x.sex}`] = (s[`${x.indicator} ${x.sex}`] || 0) + x.value;
  return s;
}

describe('roll-up', () => {
  test('sums only accepted reports, by sex, with contributing and missing units', async () => {
    const { o } = await scene();
    const res = await rapi('GET', `/units/${o.root}/rollup?indicator=GEN-0402,GEN-0201,GEN-0401&period=${H1}`,
      { token: as.viewer(o.root) });
    assert.equal(res.status, 200, res.text);
    const r = res.body;
    assert.equal(r.unit, o.root);
    assert.equal(r.period, H1);
    assert.deepEqual(r.include, ['accepted']);
    assert.equal(r.reports, 2);
    assert.equal(r.units, 2);
    assert.equal(r.expected, 3);
    assert.deepEqual(r.indicators.map((i) => i.indicator), ['GEN-0402', 'GEN-0201', 'GEN-0401']);
    assert.deepEqual(r.indicators[0].values, [
      { sex: 'female', value: 30, units: 2 }, { sex: 'male', value: 12, units: 2 }, { sex: 'total', value: 42, units: 2 }]);
    assert.equal(r.indicators[0].units, 2);
    assert.equal(r.indicators[0].aggregation, 'sum');
    assert.deepEqual(r.indicators[2].values, [{ sex: 'total', value: 5, units: 2 }]);
    assert.deepEqual(r.missing, [{ plan: r.missing[0].plan, unit: o.C, name: 'Trung tâm Y tế huyện Phú Lộc', status: 'submitted' }]);
  });

  test('gives the same answer as adding the accepted reports by hand', async () => {
    const { o, plan } = await scene();
    const list = await rapi('GET', `/reports?plan=${plan.id}&status=accepted&period=${H1}`, { token: as.viewer(o.SYT) });
    const hand = addByHand(list.body.items);
    const codes = [...new Set(Object.keys(hand).map((k) => k.split(' ')[0]))];
    const res = await rapi('GET', `/units/${o.SYT}/rollup?indicator=${codes.join(',')}&period=${H1}`, { token: as.viewer(o.SYT) });
    assert.equal(res.status, 200, res.text);
    let n = 0;
    for (const i of res.body.indicators) {
      for (const c of i.values) {
        assert.equal(c.value, hand[`${i.indicator} ${c.sex}`], `${i.indicator} ${c.sex}`);
        n++;
      }
    }
    assert.equal(n, Object.keys(hand).length);
    // With the submitted report too.
    const all = await rapi('GET', `/reports?plan=${plan.id}&period=${H1}`, { token: as.viewer(o.SYT) });
    const hand2 = addByHand(all.body.items.filter((x) => ['accepted', 'submitted'].includes(x.status)));
    const res2 = await rapi('GET', `/units/${o.SYT}/rollup?indicator=GEN-0402,GEN-0201&period=${H1}&include=submitted`,
      { token: as.viewer(o.SYT) });
    assert.deepEqual(res2.body.include, ['accepted', 'submitted']);
    assert.equal(res2.body.reports, 3);
    assert.deepEqual(res2.body.missing, []);
    for (const i of res2.body.indicators) for (const c of i.values) assert.equal(c.value, hand2[`${i.indicator} ${c.sex}`]);
  });

  test('a ratio is scale × Σ numerator / Σ denominator (not an average of ratios)', async () => {
    const { o } = await scene();
    const res = await rapi('GET', `/units/${o.root}/rollup?indicator=GEN-0202&period=${H1}`, { token: as.viewer(o.root) });
    const i = res.body.indicators[0];
    assert.equal(i.aggregation, 'ratio');
    assert.deepEqual(i.values, [{ sex: 'total', value: Math.round(10000 * 45 / 70) / 100, units: 2 }]);   // 64.29, not (75 + 50) / 2
    const sub = await rapi('GET', `/units/${o.root}/rollup?indicator=GEN-0202&period=${H1}&include=submitted`, { token: as.viewer(o.root) });
    assert.equal(sub.body.indicators[0].values[0].value, Math.round(10000 * 46 / 72) / 100);
  });

  test('max and latest; an empty indicator is null with 0 units', async () => {
    const o = await makeOrg();
    const plan = await makePlan({ issuer: o.SYT, recipients: [o.A, o.B, o.C] });
    const mx = await makeIndicator({ aggregation: 'max', sexDisaggregated: false });
    const lt = await makeIndicator({ aggregation: 'latest', sexDisaggregated: false });
    const none = await makeIndicator({ aggregation: 'sum', sexDisaggregated: true });
    const b = await fileReport({ plan: plan.id, unit: o.B, values: [...v(mx, 9), ...v(lt, 6)] });
    await fileReport({ plan: plan.id, unit: o.A, final: 'accepted', to: o.SYT, values: [...v(mx, 7), ...v(lt, 4)] });
    await rapi('POST', `/reports/${b.id}/accept`, { token: as.approver(o.SYT) });   // B accepted last
    const res = await rapi('GET', `/units/${o.root}/rollup?indicator=${mx},${lt},${none}&period=${H1}`, { token: as.viewer(o.root) });
    assert.equal(res.status, 200, res.text);
    assert.equal(cell(res.body, mx), 9);
    assert.equal(cell(res.body, lt), 6);
    assert.deepEqual(res.body.indicators[2].values, [
      { sex: 'female', value: null, units: 0 }, { sex: 'male', value: null, units: 0 }, { sex: 'total', value: null, units: 0 }]);
    assert.deepEqual(res.body.missing.map((m) => [m.unit, m.status]), [[o.C, 'missing']]);
  });

  test('each unit counts once (its latest accepted report); an issuing unit\'s own report is left out', async () => {
    const { o } = await scene();
    // A also reports the same period on the district's plan, accepted later.
    const cross = await makePlan({ issuer: o.HT, recipients: [o.A] });
    await fileReport({ plan: cross.id, unit: o.A, final: 'accepted', to: o.HT, values: v('GEN-0402', 11, 6) });
    // Sở Y tế's own (consolidated) report, accepted by the province: not counted again.
    const top = await makePlan({ issuer: o.SYT, recipients: [o.A] });
    const own = await createReport(as.editor(o.SYT), { plan: top.id, unit: o.SYT, period: H1, values: v('GEN-0402', 1000, 1000) });
    await rapi('POST', `/reports/${own.id}/submit`, { token: as.approver(o.SYT) });
    assert.equal((await rapi('POST', `/reports/${own.id}/accept`, { token: as.approver(o.root) })).status, 200);
    const res = await rapi('GET', `/units/${o.root}/rollup?indicator=GEN-0402&period=${H1}`, { token: as.viewer(o.root) });
    assert.equal(cell(res.body, 'GEN-0402', 'female'), 11 + 20);
    assert.equal(cell(res.body, 'GEN-0402', 'male'), 6 + 7);
    assert.equal(res.body.indicators[0].units, 2);
    assert.equal(res.body.units, 2);
    assert.equal(res.body.reports, 3);
    // Restricted to one plan.
    const one = await rapi('GET', `/units/${o.root}/rollup?indicator=GEN-0402&period=${H1}&plan=${cross.id}`, { token: as.viewer(o.root) });
    assert.equal(cell(one.body, 'GEN-0402'), 17);
    assert.equal(one.body.plan, cross.id);
    assert.equal(one.body.expected, 1);
  });

  test('over a subtree only; the caller\'s reach; bad parameters', async () => {
    const { o } = await scene();
    const b = await rapi('GET', `/units/${o.B}/rollup?indicator=GEN-0402&period=${H1}`, { token: as.viewer(o.B) });
    assert.equal(cell(b.body, 'GEN-0402'), 27);
    assert.equal(b.body.expected, 1);
    assertProblem(await rapi('GET', `/units/${o.root}/rollup?indicator=GEN-0402&period=${H1}`, { token: as.viewer(o.B) }), 404);
    const bad = async (q, field) => assertProblem(await rapi('GET', `/units/${o.SYT}/rollup?${q}`, { token: as.viewer(o.SYT) }),
      400, field ? { fields: [field] } : {});
    await bad(`indicator=GEN-0402,GEN-9999&period=${H1}`, 'indicator');
    await bad(`indicator=GEN-0402&indicator=GEN-0201&period=${H1}`);
    await bad('indicator=GEN-0402', 'period');
    await bad(`period=${H1}`, 'indicator');
    await bad(`indicator=GEN-0402,,GEN-0201&period=${H1}`, 'indicator');
    await bad(`indicator=GEN-0402&period=${H1}&include=draft`, 'include');
  });
});

describe('consolidation', () => {
  test('fills the issuing unit\'s own draft with the sums of the accepted reports, texts labelled by unit', async () => {
    const { o, plan, a, b } = await scene();
    const own = await createReport(as.editor(o.SYT), { plan: plan.id, unit: o.SYT, period: H1, results: 'cũ' });
    const res = await rapi('POST', `/reports/${own.id}/consolidate`, { token: as.editor(o.SYT) });
    assert.equal(res.status, 200, res.text);
    const r = res.body;
    assert.equal(r.status, 'draft');
    assert.equal(r.version, 2);
    const hand = addByHand([a, b]);
    assert.deepEqual(Object.fromEntries(r.values.map((x) => [`${x.indicator} ${x.sex}`, x.value])), hand);
    assert.deepEqual(r.ratios, [{ indicator: 'GEN-0202', sex: 'total', value: 64.29 }]);
    assert.deepEqual(r.activity_results, [
      { activity: plan.activities[0], status: 'partly', sessions: 3, participants_female: 30, participants_male: 12, notes: null },
      { activity: plan.activities[1], status: 'done', sessions: 1, participants_female: 4, participants_male: 0, notes: null },
    ]);
    assert.equal(r.difficulties, '- Trung tâm Kiểm soát bệnh tật tỉnh: Thiếu kinh phí.\n- Trung tâm Y tế huyện Vân Canh: Cán bộ kiêm nhiệm.');
    assert.equal(r.recommendations, '- Trung tâm Kiểm soát bệnh tật tỉnh: Bố trí kinh phí.');
    assert.equal(r.results, '- Trung tâm Kiểm soát bệnh tật tỉnh: Đã truyền thông 02 buổi.');
    // Again: nothing changes, no new version.
    const again = await rapi('POST', `/reports/${own.id}/consolidate`, { token: as.editor(o.SYT) });
    assert.equal(again.body.version, 2);
    // It is then edited and sent upward like any report.
    const ed = await rapi('PATCH', `/reports/${own.id}`, { token: as.editor(o.SYT), headers: { 'If-Match': '"2"' },
      body: { recommendations: 'Đề nghị UBND tỉnh bố trí kinh phí.' } });
    assert.equal(ed.status, 200, ed.text);
    assert.equal((await rapi('POST', `/reports/${own.id}/submit`, { token: as.approver(o.SYT) })).status, 200);
    assertProblem(await rapi('POST', `/reports/${own.id}/consolidate`, { token: as.editor(o.SYT) }), 409);
  });

  test('only the issuing unit\'s own report (422), by its editors; 409 when nothing is accepted yet', async () => {
    const { o, plan, c } = await scene();
    assertProblem(await rapi('POST', `/reports/${c.id}/consolidate`, { token: as.editor(o.C) }), 422,
      { detail: /not the issuing unit's own report/ });
    const own = await createReport(as.editor(o.SYT), { plan: plan.id, unit: o.SYT, period: '2024' });
    assertProblem(await rapi('POST', `/reports/${own.id}/consolidate`, { token: as.editor(o.SYT) }), 409,
      { detail: /nothing to consolidate/ });
    assertProblem(await rapi('POST', `/reports/${own.id}/consolidate`, { token: as.viewer(o.SYT) }), 403);
    assertProblem(await rapi('POST', `/reports/${own.id}/consolidate`, { token: as.editor(o.A) }), 404);
    assertProblem(await rapi('POST', `/reports/${own.id}/consolidate`, { token: as.editor(o.SYT),
      headers: { 'If-Match': '"9"' } }), 412);
  });
});
