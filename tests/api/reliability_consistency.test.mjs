// reliability_consistency.test.mjs: readers never see a torn state while
// writers move values between two units' reports.
//
// A plan of unit A addressed to X and Y (period = this year); an indicator
// (count, sum, by sex). X reports only women (female = x, male = 0), Y only
// men (female = 0, male = y), and x + y = S always holds between moves. A
// writer moves d from X to Y, over and over, with the workflow a unit
// really follows: return X, return Y (the issuer's approver), change both
// reports' values (their editors), submit X, submit Y (their approvers) —
// so whenever both reports are counted (submitted or accepted), both carry
// values of the same move. A second pair (X2, Y2) does the same on a second
// plan. Meanwhile readers ask GET /units/{A}/rollup?include=submitted and
// GET /plans/{id}/completeness thousands of times (bounded in time) and
// check, in each answer (one snapshot):
//   * rollup: total = female + male; when X and Y are both counted
//     (neither is in `missing`), female + male = S; when one is, the
//     total is at most S; `units` = the units counted = expected − missing;
//   * completeness: expected = submitted (incl. accepted) + returned +
//     draft + missing, on_time + late = submitted, the `units` rows agree
//     with the totals.
// At the end both reports of each pair are accepted and the accepted-only
// roll-up is exactly S per pair.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { api, makeTree, newPrefix, token } from './lib.mjs';

const THIS_YEAR = new Date(Date.now() + 7 * 3600 * 1000).getUTCFullYear();
const Y = String(THIS_YEAR);
const S = 1000;
const MOVE_MS = Number(process.env.BDG_CONSISTENCY_MS || 10000);
const as = (role, unit) => token({ sub: `cons-${role}-${unit}`, unit, role, ttl: 3600 });
const rq = (m, p, o = {}) => api(m, p, { ...o, validate: false });

let t;
let ind;
const pairs = [];

async function mustOk(res, what) {
  assert.ok(res.status === 200 || res.status === 201, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  return res.body;
}

before(async () => {
  t = await makeTree();
  ind = `${newPrefix()}-C`;
  await mustOk(await rq('POST', '/indicators', { token: as('admin', t.root), body: { code: ind, name: 'Số người tham gia', measure: 'count', aggregation: 'sum', sex_disaggregated: true } }), 'indicator');
  for (const [X, Yu] of [[t.A1, t.A2], [t.B, t.B1]]) {
    const issuer = t.root;
    const p = await mustOk(await rq('POST', '/plans', { token: as('editor', issuer), body: { unit: issuer, year: THIS_YEAR, title: `Kế hoạch ${X}`, recipients: [X, Yu], reporting: [{ period: Y, due_on: `${Y}-12-01` }] } }), 'plan');
    await mustOk(await rq('POST', `/plans/${p.id}/activities`, { token: as('editor', issuer), body: { section: 'II.1', title: 'Hoạt động' } }), 'activity');
    await mustOk(await rq('POST', `/plans/${p.id}/issue`, { token: as('approver', issuer), body: {}, headers: { 'If-Match': '*' } }), 'issue');
    const vals = (f, m) => [{ indicator: ind, sex: 'female', value: f }, { indicator: ind, sex: 'male', value: m }];
    const rx = await mustOk(await rq('POST', '/reports', { token: as('editor', X), body: { plan: p.id, unit: X, period: Y, values: vals(S / 2, 0) } }), 'report X');
    const ry = await mustOk(await rq('POST', '/reports', { token: as('editor', Yu), body: { plan: p.id, unit: Yu, period: Y, values: vals(0, S / 2) } }), 'report Y');
    pairs.push({ plan: p.id, issuer, X, Y: Yu, rx: rx.id, ry: ry.id, x: S / 2, vals });
  }
});

describe('consistency under concurrent workflow writes', () => {
  test('rollup and completeness: every answer is one consistent state', async () => {
    const stop = { now: false };
    const stats = { moves: 0, reads: 0, bothCounted: 0, oneCounted: 0, noneCounted: 0, writerErrors: [], violations: [] };

    async function writer(pr) {
      const step = async (m, p, tok, body) => {
        const r = await rq(m, p, { token: tok, body, headers: m === 'PATCH' ? { 'If-Match': '*' } : {} });
        if (r.status !== 200) stats.writerErrors.push(`${m} ${p}: ${r.status} ${r.text.slice(0, 160)}`);
        return r.status === 200;
      };
      // first submission from draft
      await step('POST', `/reports/${pr.rx}/submit`, as('approver', pr.X));
      await step('POST', `/reports/${pr.ry}/submit`, as('approver', pr.Y));
      let k = 0;
      while (!stop.now && stats.writerErrors.length === 0) {
        const d = (k++ % 7) * 13 + 1;
        const nx = (pr.x + S - d) % S;               // x moves down by d (mod S), y takes it
        const ok = await step('POST', `/reports/${pr.rx}/return`, as('approver', pr.issuer), { reason: 'Điều chỉnh số liệu' })
          && await step('POST', `/reports/${pr.ry}/return`, as('approver', pr.issuer), { reason: 'Điều chỉnh số liệu' })
          && await step('PATCH', `/reports/${pr.rx}`, as('editor', pr.X), { values: pr.vals(nx, 0) })
          && await step('PATCH', `/reports/${pr.ry}`, as('editor', pr.Y), { values: pr.vals(0, S - nx) })
          && await step('POST', `/reports/${pr.rx}/submit`, as('approver', pr.X))
          && await step('POST', `/reports/${pr.ry}/submit`, as('approver', pr.Y));
        if (!ok) break;
        pr.x = nx;
        stats.moves++;
      }
    }

    function checkRollup(doc, pr) {
      const i = doc.indicators[0];
      const cell = (sex) => Number(i.values.find((v) => v.sex === sex).value ?? 0);
      const f = cell('female');
      const m = cell('male');
      const tot = cell('total');
      const missing = new Set(doc.missing.map((x) => x.unit));
      const counted = [pr.X, pr.Y].filter((u) => !missing.has(u)).length;
      const bad = (why) => stats.violations.push(`rollup of plan ${pr.plan}: ${why}: ${JSON.stringify({ f, m, tot, missing: doc.missing, units: doc.units })}`);
      if (tot !== f + m) bad('total is not female + male');
      if (doc.units !== doc.expected - doc.missing.length) bad('units is not expected - missing');
      if (counted === 2) {
        stats.bothCounted++;
        if (f + m !== S) bad(`both counted but female + male = ${f + m}, not ${S}`);
      } else if (counted === 1) {
        stats.oneCounted++;
        if (tot > S) bad('one counted but more than S');
        if (missing.has(pr.X) && f !== 0) bad('X not counted but female > 0');
        if (missing.has(pr.Y) && m !== 0) bad('Y not counted but male > 0');
      } else {
        stats.noneCounted++;
        if (tot !== 0) bad('none counted but a total');
      }
    }

    function checkCompleteness(doc, pr) {
      const tt = doc.totals;
      const bad = (why) => stats.violations.push(`completeness of plan ${pr.plan}: ${why}: ${JSON.stringify(tt)}`);
      if (tt.expected !== 2) bad('expected is not 2');
      if (tt.submitted + tt.returned + tt.draft + tt.missing !== tt.expected) bad('the statuses do not add up to expected');
      if (tt.on_time + tt.late !== tt.submitted) bad('on_time + late is not submitted');
      if (tt.accepted > tt.submitted) bad('more accepted than submitted');
      const by = (s) => doc.units.filter((u) => u.status === s).length;
      if (by('submitted') + by('accepted') !== tt.submitted || by('returned') !== tt.returned || by('draft') !== tt.draft) bad('rows and totals disagree');
    }

    async function reader(n) {
      while (!stop.now) {
        const pr = pairs[n % pairs.length];
        const [r, c] = await Promise.all([
          rq('GET', `/units/${pr.issuer}/rollup?indicator=${ind}&period=${Y}&include=submitted&plan=${pr.plan}`, { token: as('viewer', pr.issuer) }),
          rq('GET', `/plans/${pr.plan}/completeness?period=${Y}`, { token: as('viewer', pr.issuer) }),
        ]);
        stats.reads += 2;
        if (r.status !== 200 || c.status !== 200) {
          stats.violations.push(`reads: rollup ${r.status}, completeness ${c.status}: ${r.text.slice(0, 120)} ${c.text.slice(0, 120)}`);
          continue;
        }
        checkRollup(r.body, pr);
        checkCompleteness(c.body, pr);
        n++;
      }
    }

    const t0 = Date.now();
    const writers = pairs.map((pr) => writer(pr));
    const readers = Array.from({ length: 4 }, (_, i) => reader(i));
    await new Promise((r) => setTimeout(r, MOVE_MS));
    stop.now = true;
    await Promise.all([...writers, ...readers]);
    console.log(`consistency: ${stats.moves} moves (6 writes each) by ${pairs.length} writers, ${stats.reads} reads by 4 readers in ` +
      `${Date.now() - t0} ms; rollups with both units counted ${stats.bothCounted}, one ${stats.oneCounted}, none ${stats.noneCounted}; ` +
      `${stats.violations.length} inconsistent answers`);
    assert.deepEqual(stats.writerErrors, []);
    assert.deepEqual(stats.violations.slice(0, 20), []);
    assert.ok(stats.moves >= 4, `the writers made progress (${stats.moves} moves)`);
    assert.ok(stats.reads >= 200, `the readers made progress (${stats.reads} reads)`);
    assert.ok(stats.bothCounted > 0 && stats.oneCounted > 0, 'the readers saw both kinds of state');

    // The end: accepted, and the accepted-only roll-up is S per pair.
    for (const pr of pairs) {
      await mustOk(await rq('POST', `/reports/${pr.rx}/accept`, { token: as('approver', pr.issuer) }), 'accept X');
      await mustOk(await rq('POST', `/reports/${pr.ry}/accept`, { token: as('approver', pr.issuer) }), 'accept Y');
      const r = await mustOk(await rq('GET', `/units/${pr.issuer}/rollup?indicator=${ind}&period=${Y}&plan=${pr.plan}`, { token: as('viewer', pr.issuer) }), 'rollup');
      const v = Object.fromEntries(r.indicators[0].values.map((x) => [x.sex, Number(x.value)]));
      assert.deepEqual(v, { female: pr.x, male: S - pr.x, total: S });
      const c = await mustOk(await rq('GET', `/plans/${pr.plan}/completeness?period=${Y}`, { token: as('viewer', pr.issuer) }), 'completeness');
      assert.equal(c.totals.accepted, 2);
    }
    const all = await mustOk(await rq('GET', `/units/${t.root}/rollup?indicator=${ind}&period=${Y}`, { token: as('viewer', t.root) }), 'rollup all');
    assert.equal(Number(all.indicators[0].values.find((x) => x.sex === 'total').value), S * pairs.length);
  });
});
