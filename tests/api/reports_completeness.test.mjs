// reports_completeness.test.mjs: who has reported — GET
// /plans/{id}/completeness, GET /units/{code}/completeness and GET
// /reports/overdue (the missing reports included) — and who may read them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertProblem } from './lib.mjs';
import { as, createReport, fileReport, makeOrg, makePlan, rapi, setClock } from './reports_lib.mjs';

const H1 = '2024-H1';

// Sở Y tế's plan to A, B, C: A accepted on time, B submitted late, C missing.
async function scene() {
  const o = await makeOrg();
  const plan = await makePlan({ issuer: o.SYT, recipients: [o.A, o.B, o.C] });
  await setClock(o.A, '2024-05-20T09:00:00+07:00');
  await setClock(o.B, '2024-05-27T09:00:00+07:00');
  try {
    const a = await fileReport({ plan: plan.id, unit: o.A, final: 'accepted', to: o.SYT });
    const b = await fileReport({ plan: plan.id, unit: o.B });
    return { o, plan, a, b };
  } finally {
    await setClock(o.A, null);
    await setClock(o.B, null);
  }
}

describe('completeness of a plan', () => {
  test('every recipient with its status, timeliness and totals; the missing unit named', async () => {
    const { o, plan, a, b } = await scene();
    const res = await rapi('GET', `/plans/${plan.id}/completeness?period=${H1}`, { token: as.viewer(o.SYT) });
    assert.equal(res.status, 200, res.text);
    const c = res.body;
    assert.equal(c.plan.id, plan.id);
    assert.equal(c.plan.unit, o.SYT);
    assert.equal(c.period, H1);
    assert.deepEqual(c.totals, { expected: 3, submitted: 2, accepted: 1, returned: 0, draft: 0, on_time: 1, late: 1, missing: 1 });
    assert.deepEqual(c.missing, [{ plan: plan.id, unit: o.C, name: 'Trung tâm Y tế huyện Phú Lộc', period: H1 }]);
    const byUnit = Object.fromEntries(c.units.map((u) => [u.unit, u]));
    assert.equal(byUnit[o.A].status, 'accepted');
    assert.equal(byUnit[o.A].report, a.id);
    assert.equal(byUnit[o.A].on_time, true);
    assert.equal(byUnit[o.A].days_late, 0);
    assert.equal(byUnit[o.A].submitted_at, '2024-05-20T02:00:00+00:00');
    assert.ok(byUnit[o.A].accepted_at);
    assert.equal(byUnit[o.B].status, 'submitted');
    assert.equal(byUnit[o.B].report, b.id);
    assert.equal(byUnit[o.B].on_time, false);
    assert.equal(byUnit[o.B].days_late, 2);
    assert.equal(byUnit[o.C].status, 'missing');
    assert.equal(byUnit[o.C].report, null);
    assert.equal(byUnit[o.C].due_on, '2024-05-25');
  });

  test('without a period: one row per recipient and period; drafts and returned counted apart', async () => {
    const { o, plan } = await scene();
    await createReport(as.editor(o.C), { plan: plan.id, unit: o.C, period: '2024' });
    const s = await fileReport({ plan: plan.id, unit: o.A, period: '2024' });
    await rapi('POST', `/reports/${s.id}/return`, { token: as.approver(o.SYT), body: { reason: 'Bổ sung số liệu' } });
    const res = await rapi('GET', `/plans/${plan.id}/completeness`, { token: as.viewer(o.root) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.period, null);
    assert.equal(res.body.units.length, 6);
    assert.deepEqual(res.body.totals, { expected: 6, submitted: 2, accepted: 1, returned: 1, draft: 1, on_time: 1, late: 1, missing: 2 });
    assert.deepEqual(res.body.missing.map((m) => `${m.unit} ${m.period}`), [`${o.C} ${H1}`, `${o.B} 2024`]);
  });

  test('a period the plan does not have is 400; a bad one is 400', async () => {
    const { o, plan } = await scene();
    assertProblem(await rapi('GET', `/plans/${plan.id}/completeness?period=2023`, { token: as.viewer(o.SYT) }), 400,
      { fields: ['period'] });
    assertProblem(await rapi('GET', `/plans/${plan.id}/completeness?period=H1`, { token: as.viewer(o.SYT) }), 400);
  });

  test('a recipient sees its own row only; a unit that does not read the plan gets 404', async () => {
    const { o, plan } = await scene();
    const res = await rapi('GET', `/plans/${plan.id}/completeness?period=${H1}`, { token: as.viewer(o.B) });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.units.map((u) => u.unit), [o.B]);
    assert.equal(res.body.totals.expected, 1);
    assertProblem(await rapi('GET', `/plans/${plan.id}/completeness`, { token: as.viewer(o.HT) }), 404);
    assertProblem(await rapi('GET', '/plans/999999999/completeness', { token: as.viewer(o.root) }), 404);
  });
});

describe('completeness of a subtree', () => {
  test('across every issued plan that addresses units of the subtree', async () => {
    const { o, plan } = await scene();
    const top = await makePlan({ issuer: o.root, recipients: [o.SYT, o.HT], reporting: { [H1]: '2024-06-05' } });
    await fileReport({ plan: top.id, unit: o.HT });
    const res = await rapi('GET', `/units/${o.root}/completeness?period=${H1}`, { token: as.viewer(o.root) });
    assert.equal(res.status, 200, res.text);
    const rows = res.body.units.map((u) => `${u.plan} ${u.unit} ${u.status}`);
    assert.deepEqual(rows.sort(), [
      `${plan.id} ${o.A} accepted`, `${plan.id} ${o.B} submitted`, `${plan.id} ${o.C} missing`,
      `${top.id} ${o.HT} submitted`, `${top.id} ${o.SYT} missing`,
    ].sort());
    assert.deepEqual(res.body.plans.map((p) => p.id).sort((x, y) => x - y), [plan.id, top.id].sort((x, y) => x - y));
    assert.equal(res.body.totals.expected, 5);
    assert.equal(res.body.totals.missing, 2);
    assert.deepEqual(res.body.missing.map((m) => m.unit).sort(), [o.C, o.SYT].sort());
    // The health department's subtree only: its plan's recipients.
    const sub = await rapi('GET', `/units/${o.SYT}/completeness?period=${H1}`, { token: as.viewer(o.SYT) });
    assert.deepEqual(sub.body.units.map((u) => u.unit).sort(), [o.A, o.B, o.C, o.SYT].sort());
    assertProblem(await rapi('GET', `/units/${o.root}/completeness`, { token: as.viewer(o.SYT) }), 404);
    assertProblem(await rapi('GET', `/units/${o.SYT}/completeness?period=2024-H9`, { token: as.viewer(o.SYT) }), 400);
  });
});

describe('overdue', () => {
  test('lists reports due and not sent, the missing ones included, with days overdue', async () => {
    const { o, plan } = await scene();
    const draft = await createReport(as.editor(o.C), { plan: plan.id, unit: o.C, period: '2024' });
    const q = (as_of, under = o.SYT) => rapi('GET', `/reports/overdue?under=${under}&as_of=${as_of}`, { token: as.viewer(o.SYT) });
    const before = await q('2024-05-25');
    assert.equal(before.status, 200, before.text);
    assert.deepEqual(before.body.items, []);
    const june = await q('2024-06-01');
    assert.deepEqual(june.body.items, [{ plan: plan.id, unit: o.C, name: 'Trung tâm Y tế huyện Phú Lộc', period: H1,
      due_on: '2024-05-25', report: null, status: 'missing', days_overdue: 7 }]);
    const dec = await q('2024-12-01');
    assert.deepEqual(dec.body.items.map((i) => [i.unit, i.period, i.status, i.report, i.days_overdue]), [
      [o.C, H1, 'missing', null, 190],
      [o.A, '2024', 'missing', null, 6],
      [o.B, '2024', 'missing', null, 6],
      [o.C, '2024', 'draft', draft.id, 6],
    ]);
    // Paging.
    const p1 = await rapi('GET', `/reports/overdue?under=${o.SYT}&as_of=2024-12-01&limit=3`, { token: as.viewer(o.SYT) });
    assert.equal(p1.body.items.length, 3);
    assert.ok(p1.body.next);
    const p2 = await rapi('GET', `/reports/overdue?under=${o.SYT}&as_of=2024-12-01&limit=3&after=${p1.body.next}`,
      { token: as.viewer(o.SYT) });
    assert.deepEqual(p2.body.items.map((i) => i.unit), [o.C]);
    assert.equal(p2.body.next, null);
    // The default subtree is the caller's unit; a unit out of reach is 404.
    const mine = await rapi('GET', '/reports/overdue?as_of=2024-12-01', { token: as.viewer(o.C) });
    assert.deepEqual(mine.body.items.map((i) => i.status), ['missing', 'draft']);
    assertProblem(await rapi('GET', `/reports/overdue?under=${o.HT}`, { token: as.viewer(o.SYT) }), 404);
    assertProblem(await rapi('GET', '/reports/overdue?as_of=tomorrow', { token: as.viewer(o.SYT) }), 400);
  });

  test('a returned report is overdue again until resubmitted', async () => {
    const { o, plan, b } = await scene();
    await rapi('POST', `/reports/${b.id}/return`, { token: as.approver(o.SYT), body: { reason: 'Sai số liệu' } });
    const res = await rapi('GET', `/reports/overdue?under=${o.SYT}&as_of=2024-06-01`, { token: as.viewer(o.SYT) });
    assert.deepEqual(res.body.items.map((i) => [i.unit, i.status]), [[o.B, 'returned'], [o.C, 'missing']]);
    assert.equal(res.body.items[0].report, b.id);
    void plan;
  });
});
