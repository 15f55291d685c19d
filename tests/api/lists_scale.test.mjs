// lists_scale.test.mjs: GET /plans without a unit, GET /activities and GET /reports take
// one of two ways to a page (LIST_WALK in lib/query.h): from the rows of
// the few units near the caller (for plans its subtree and the units above
// it, for reports its subtree; at most 2,000), or, for a caller with more
// units than that, by walking all rows in id order. Both must give exactly
// what the read rules give. A province P of
// 2,101 units (so P's admin walks), a commune X of it and a commune Y
// (whose pages are built from their near units), and a province Q beside
// it:
//   * P's plan addressed to X; X's own plan; Y's own plan; Q's plan
//     addressed to X; Q's plan addressed to nobody;
//   * P's admin reads P's, X's and Y's plans, not Q's (Q's plan addressed to
//     X is below P, not above it);
//   * X reads P's plan (P is above X), its own, and Q's plan addressed to
//     it; not Y's;
//   * Y reads P's plan and its own;
// and the reports: X's and Y's on P's plan (to P), X's on Q's plan (to Q):
//   * P reads all three (its subtree), X its two, Y its own, Q the one
//     addressed to it;
// and the activities (three in each plan), one of Q's own plan (a draft)
// led by X:
//   * each reads the activities of the plans it reads, and P and X that
//     one as well (its lead is in their subtrees);
// page by page with limit=2, so that the cursor is followed in both ways.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { adminOf, api, createUnit, listAll, newPrefix, token } from './lib.mjs';
import { fileReport, makePlan, psql } from './reports_lib.mjs';

let P, Q, X, Y, plans, reports, acts, ledByX;

before(async () => {
  const p = newPrefix();
  P = `${p}P`;
  Q = `${p}Q`;
  X = `${P}-X`;
  Y = `${P}-Y`;
  const adminP = adminOf(P);
  await createUnit(adminP, { code: P, name: 'UBND tỉnh thử danh sách', kind: 'province' });
  await createUnit(adminOf(Q), { code: Q, name: 'UBND tỉnh bên cạnh', kind: 'province' });
  const units = [{ code: X, name: 'UBND xã X', kind: 'commune', parent: P }, { code: Y, name: 'UBND xã Y', kind: 'commune', parent: P }];
  for (let i = 0; i < 2099; i++) units.push({ code: `${P}-C${String(i).padStart(4, '0')}`, name: `UBND xã số ${i}`, kind: 'commune', parent: P });
  const bulk = await api('POST', '/bulk', { token: adminP, body: { units } });
  assert.equal(bulk.status, 200, bulk.text.slice(0, 400));
  const made = {
    pToX: await makePlan({ issuer: P, recipients: [X, Y] }),
    x: await makePlan({ issuer: X, recipients: [] }),
    y: await makePlan({ issuer: Y, recipients: [] }),
    qToX: await makePlan({ issuer: Q, recipients: [X] }),
    q: await makePlan({ issuer: Q, recipients: [], status: 'draft' }),
  };
  plans = Object.fromEntries(Object.entries(made).map(([k, v]) => [k, v.id]));
  acts = Object.fromEntries(Object.entries(made).map(([k, v]) => [k, v.activities]));
  ledByX = acts.q[0];
  await psql(`BEGIN; SELECT set_config('app.sub', 'test', true) AS x \\gset
UPDATE bdg.activity SET lead_unit_id = (SELECT id FROM bdg.unit WHERE code = :'lead') WHERE id = :'a'::bigint;
COMMIT;\n`, { lead: X, a: String(ledByX) });
  reports = {
    x: (await fileReport({ plan: plans.pToX, unit: X, to: P })).id,
    y: (await fileReport({ plan: plans.pToX, unit: Y, to: P })).id,
    xToQ: (await fileReport({ plan: plans.qToX, unit: X, to: Q })).id,
  };
});

async function all(path, unit) {
  const tok = token({ unit, role: 'viewer', sub: `list-${unit}` });
  const ids = (await listAll(path, tok, 2)).items.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in id order');
  assert.equal(new Set(ids).size, ids.length, 'each plan once');
  return ids;
}

const allPlans = (unit) => all('/plans', unit);
const allReports = (unit) => all('/reports', unit);
const allActivities = (unit) => all('/activities', unit);
const sorted = (xs) => [...xs].sort((a, b) => a - b);

test("the province's admin (more than 2,000 units: the walk) reads the plans of its tree, not its neighbour's", async () => {
  assert.deepEqual(await allPlans(P), [plans.pToX, plans.x, plans.y]);
});

test('a commune (its near units) reads the plans above it, its own and those addressed to it', async () => {
  assert.deepEqual(await allPlans(X), [plans.pToX, plans.x, plans.qToX]);
  assert.deepEqual(await allPlans(Y), [plans.pToX, plans.y]);
});

test('the neighbouring province reads its own plans only', async () => {
  assert.deepEqual(await allPlans(Q), [plans.qToX, plans.q]);
});

test('reports: the province (the walk) reads its subtree\'s, a commune its own, the neighbour those addressed to it', async () => {
  assert.deepEqual(await allReports(P), [reports.x, reports.y, reports.xToQ]);
  assert.deepEqual(await allReports(X), [reports.x, reports.xToQ]);
  assert.deepEqual(await allReports(Y), [reports.y]);
  assert.deepEqual(await allReports(Q), [reports.xToQ]);
});

test('activities: of the plans each reads, and the one X leads in Q\'s plan for X and P', async () => {
  assert.deepEqual(await allActivities(P), sorted([...acts.pToX, ...acts.x, ...acts.y, ledByX]));
  assert.deepEqual(await allActivities(X), sorted([...acts.pToX, ...acts.x, ...acts.qToX, ledByX]));
  assert.deepEqual(await allActivities(Y), sorted([...acts.pToX, ...acts.y]));
  assert.deepEqual(await allActivities(Q), sorted([...acts.qToX, ...acts.q]));
});
