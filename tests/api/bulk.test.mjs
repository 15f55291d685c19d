// bulk.test.mjs: POST /bulk (every section, by natural key) and
// POST /bulk/{resource} (CSV): dry run, atomic rejection naming every bad
// item, re-sent batches unchanged with no new revision, Idempotency-Key
// retries, authorization per item as for single writes, the frozen content
// of issued plans, CSV conventions (BOM, Excel's semicolons, quotes, line
// breaks, '|' lists) and the export → import round trip of Vietnamese
// text; a 10,000-unit import with its time printed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BASE, adminOf, api, assertProblem, listAll, makeTree, newPrefix, sql, token } from './lib.mjs';

const as = (role, unit) => token({ sub: `${role}-${unit}`, unit, role });

// Audit rows written for this test's things since revision `since`: keys
// under the prefix (units, plans, targets), activities of the given plans,
// indicators whose code starts with the prefix.
async function revisionsSince(p, since) {
  const [{ n }] = await sql(`SELECT count(*)::int AS n FROM bdg.audit a
    WHERE a.revision > :'since'::bigint AND (a.key LIKE :'p' || '%' OR a.key LIKE '% ' || :'p' || '%'
      OR (a.resource = 'activity' AND (a.after->>'plan' IN (SELECT p.id::text FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id WHERE u.code LIKE :'p' || '%')
        OR a.before->>'plan' IN (SELECT p.id::text FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id WHERE u.code LIKE :'p' || '%'))))`,
  { p, since: String(since) });
  return n;
}

async function lastRevision() {
  const [{ rev }] = await sql('SELECT coalesce(max(revision), 0) AS rev FROM bdg.audit');
  return Number(rev);
}

const count = (created, updated, unchanged) => ({ created, updated, unchanged, rejected: 0 });

// A batch of every section for the tree t (made by makeTree), with the
// indicator codes under the tree's prefix.
function everything(t) {
  const p53 = { unit: t.root, number: '53/KH-UBND', year: 2019 };
  const p595 = { unit: t.A, number: '595/KH-SYT', year: 2019 };
  const ind = `${t.prefix}-01`;
  return {
    units: [
      { code: `${t.A}-3`, name: 'Khoa Sản – Bệnh viện Trung ương Huế', kind: 'division', parent: t.A },
      { code: `${t.B}-2`, name: 'UBND xã Hương Vân', kind: 'commune', parent: t.B, valid_from: '2019-01-01' },
    ],
    indicators: [
      { code: ind, name: 'Số lượt người được truyền thông (thử)', measure: 'count', sex_disaggregated: true, aggregation: 'sum', unit_of_measure: 'lượt người' },
    ],
    plans: [
      { ...p595, title: 'Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ năm 2019', issued_on: '2019-03-28',
        place: 'Thừa Thiên Huế', parent_plan: p53, recipients: [`${t.A}-3`, t.A1], objectives: ['Nâng cao nhận thức về bình đẳng giới'],
        reporting: [{ period: '2019-H1', due_on: '2019-05-25' }, { period: '2019', due_on: '2019-12-01' }],
        signer: 'Lê Viết Bắc', signer_title: 'KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC', status: 'draft' },
      { ...p53, title: 'Kế hoạch thực hiện công tác bình đẳng giới năm 2019', issued_on: '2019-03-12', recipients: [t.A, t.B],
        reporting: [{ period: '2019', due_on: '2019-11-25' }], status: 'issued' },
    ],
    activities: [
      { plan: p53, section: 'II.1', category: 'communication', title: 'Tuyên truyền Luật Bình đẳng giới', coordinating_units: [t.A, t.B] },
      { plan: p595, section: 'II.5', category: 'action_month', title: 'Tháng hành động vì bình đẳng giới',
        starts_on: '2019-11-15', ends_on: '2019-12-15', budget_vnd: 15000000, lead_unit: t.A1, coordinating_units: [t.A2] },
    ],
    targets: [
      { plan: p595, indicator: ind, unit: t.A1, sex: 'female', target: 120, baseline: 80 },
      { plan: p595, indicator: 'GEN-0401', unit: t.A1, target: 4 },
    ],
  };
}

describe('POST /bulk, every section', () => {
  test('dry run writes nothing; the run creates; the same batch again is all unchanged with no new revision', async () => {
    const t = await makeTree();
    const admin = t.admin;
    const r0 = await lastRevision();
    const dry = await api('POST', '/bulk?dry_run=true', { token: admin, body: everything(t) });
    assert.equal(dry.status, 200, dry.text);
    const created = {
      dry_run: true, units: count(2, 0, 0), indicators: count(1, 0, 0), plans: count(2, 0, 0),
      activities: count(2, 0, 0), targets: count(2, 0, 0),
    };
    assert.deepEqual(dry.body, created);
    assert.equal(await revisionsSince(t.prefix, r0), 0, 'a dry run writes nothing');
    assert.equal((await api('GET', `/units/${t.A}-3`, { token: admin })).status, 404);
    assert.equal((await api('GET', `/indicators/${t.prefix}-01`, { token: admin })).status, 404);

    const run = await api('POST', '/bulk', { token: admin, body: everything(t) });
    assert.equal(run.status, 200, run.text);
    assert.deepEqual(run.body, { ...created, dry_run: false });
    const plans = (await api('GET', `/plans?under=${t.root}`, { token: admin })).body.items;
    const p53 = plans.find((p) => p.number === '53/KH-UBND');
    const p595 = plans.find((p) => p.number === '595/KH-SYT');
    assert.equal(p53.status, 'issued', 'a plan sent as issued is issued, with its activities');
    assert.equal(p53.issued_on, '2019-03-12');
    assert.equal(p53.activity_count, 1);
    assert.equal(p595.status, 'draft');
    assert.equal(p595.parent_plan, p53.id, 'parent_plan by key, within the batch');
    assert.deepEqual(p595.recipients, [t.A1, `${t.A}-3`].sort());
    assert.equal(p595.version, 1, 'a plan and its recipients in one batch: one version');
    assert.equal(p595.signer_title, 'KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC');
    const acts = (await api('GET', `/plans/${p595.id}/activities`, { token: admin })).body.items;
    assert.equal(acts.length, 1);
    assert.equal(acts[0].lead_unit, t.A1);
    assert.deepEqual(acts[0].coordinating_units, [t.A2]);
    assert.equal(acts[0].version, 1);
    const targets = (await api('GET', `/plans/${p595.id}/targets`, { token: admin })).body.targets;
    assert.equal(targets.length, 2);
    assert.ok(targets.some((x) => x.indicator === `${t.prefix}-01` && x.sex === 'female' && x.target === 120));
    const r1 = await lastRevision();
    const written = await revisionsSince(t.prefix, r0);
    assert.ok(written >= 9, `every item written once (${written} revisions)`);

    const again = await api('POST', '/bulk', { token: admin, body: everything(t) });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body, {
      dry_run: false, units: count(0, 0, 2), indicators: count(0, 0, 1), plans: count(0, 0, 2),
      activities: count(0, 0, 2), targets: count(0, 0, 2),
    });
    assert.equal(await revisionsSince(t.prefix, r1), 0, 're-sending the batch takes no new revision');
    const ind = await api('GET', `/indicators/${t.prefix}-01`, { token: admin });
    assert.equal(ind.body.version, 1);

    // A change: only what differs is written.
    const b = everything(t);
    b.units[1].name = 'UBND xã Hương Vân (mới)';
    b.activities[1].status = 'done';
    b.targets[0].target = 150;
    const upd = await api('POST', '/bulk', { token: admin, body: b });
    assert.equal(upd.status, 200, upd.text);
    assert.deepEqual(upd.body.units, count(0, 1, 1));
    assert.deepEqual(upd.body.activities, count(0, 1, 1));
    assert.deepEqual(upd.body.targets, count(0, 1, 1));
    assert.deepEqual(upd.body.plans, count(0, 0, 2));
    assert.equal(await revisionsSince(t.prefix, r1), 3);
  });

  test('one bad item rejects the whole batch; every bad item is named by its JSON pointer; nothing is written', async () => {
    const t = await makeTree();
    const r0 = await lastRevision();
    const b = everything(t);
    b.units[1].parent = `${t.prefix}-NOPE`;
    b.plans[0].recipients.push(`${t.prefix}-NOPE`);
    b.activities[0].section = 'II..1';
    const res = await api('POST', '/bulk', { token: t.admin, body: b });
    const p = assertProblem(res, 422, { type: 'bulk_rejected',
      fields: ['/units/1/parent'] });
    assert.match(p.detail, /nothing was written/);
    assert.equal(p.errors[0].status, 422);
    assert.equal(await revisionsSince(t.prefix, r0), 0);
    assert.equal((await api('GET', `/units/${t.A}-3`, { token: t.admin })).status, 404, 'the good items were not written either');

    // The rules, section by section in dependency order: once the units
    // are right, the plans' problems; then the activities'.
    b.units[1].parent = t.B;
    const res2 = await api('POST', '/bulk', { token: t.admin, body: b });
    assertProblem(res2, 422, { fields: ['/plans/0/recipients/2'] });
    b.plans[0].recipients.pop();
    const res3a = await api('POST', '/bulk', { token: t.admin, body: b });
    assert.deepEqual(assertProblem(res3a, 422).errors.map((e) => e.field), ['/activities/0/section']);

    // Shape errors: every item at fault, in every section.
    const bad = everything(t);
    bad.units[0].kind = 'city';
    bad.indicators[0].measure = 'weight';
    bad.plans[1].status = 'superseded';
    bad.plans[0].parent_plan = { unit: t.root };
    bad.activities[1].colour = 'red';
    bad.targets[1].sex = 'nam';
    const res3 = await api('POST', '/bulk', { token: t.admin, body: bad });
    assertProblem(res3, 422, { fields: ['/units/0/kind', '/indicators/0/measure', '/plans/1/status',
      '/plans/0/parent_plan/number', '/activities/1/colour', '/targets/1/sex'] });
    assertProblem(await api('POST', '/bulk', { token: t.admin, body: { units: {}, reports2: [] } }), 422,
      { fields: ['/units', '/reports2'] });
    assertProblem(await api('POST', '/bulk', { token: t.admin, body: { units: [7] } }), 422, { fields: ['/units/0'] });
    assert.equal(await revisionsSince(t.prefix, r0), 0);
  });

  test('hostile batches: over-long keys cut inside a character, oversized lists, thousands of duplicates: 422 naming each, fast', async () => {
    const t = await makeTree();
    const r0 = await lastRevision();
    const good = { code: `${t.A}-9`, name: 'Khoa', kind: 'division', parent: t.A };
    // A section key of 70 "ệ" (3 bytes each): its path is cut at 60 bytes,
    // inside a character. The error must survive: never a 200.
    const longKey = `a${'ệ'.repeat(70)}`;
    const r1 = await api('POST', '/bulk', { token: t.admin, body: { units: [good], [longKey]: [] } });
    const p1 = assertProblem(r1, 422);
    assert.equal(p1.errors.length, 1);
    assert.ok(longKey.startsWith(p1.errors[0].field.slice(1)), `a whole-character prefix of the key: ${p1.errors[0].field}`);
    assert.match(p1.errors[0].message, /is not a section/);
    // The same in an item's field and in a CSV header.
    const r2 = await api('POST', '/bulk', { token: t.admin, body: { units: [{ ...good, [`x${'ệ'.repeat(60)}`]: 1 }] } });
    assert.ok(assertProblem(r2, 422).errors[0].field.startsWith('/units/0/x'));
    const header = `code,name,kind,parent,${'Đ'.repeat(90)}`;
    const r3 = await api('POST', '/bulk/units', { token: t.admin, raw: `${header}\n${good.code},Khoa,division,${t.A},1\n`, headers: { 'Content-Type': 'text/csv' } });
    const p3 = assertProblem(r3, 422);
    assert.ok(p3.errors[0].field.startsWith('/rows/1/ĐĐ'), p3.errors[0].field);
    // Lists over their caps are named as such (and no rule runs over them);
    // 4,000 copies of one period and 2,000 of one recipient within the caps
    // are named as duplicates, item by item, in linear time.
    const key = { unit: t.A, year: 2024, title: 'Kế hoạch' };
    const started = Date.now();
    const r4 = await api('POST', '/bulk', { token: t.admin, body: {
      plans: [
        { ...key, number: '1/KH', reporting: Array(6000).fill({}), recipients: Array(2500).fill(t.A1) },
        { ...key, number: '2/KH', reporting: Array(4000).fill({ period: '2024', due_on: '2024-12-01' }) },
        { ...key, number: '3/KH', recipients: Array(2000).fill(t.A1) },
      ],
      activities: [{ plan: { unit: t.A, number: '1/KH', year: 2024 }, section: 'I.1', title: 'x', coordinating_units: Array(2500).fill(t.A2) }],
    } });
    const ms = Date.now() - started;
    const p4 = assertProblem(r4, 422, { fields: ['/plans/0/reporting', '/plans/0/recipients', '/plans/1/reporting/1/period',
      '/plans/1/reporting/15/period', '/plans/2/recipients/1', '/activities/0/coordinating_units'] });
    assert.ok(!p4.errors.some((e) => e.field === '/plans/1/reporting/0/period' || e.field === '/plans/2/recipients/0'), 'the first is no duplicate');
    assert.match(p4.errors.find((e) => e.field === '/plans/0/reporting').message, /at most 5000/);
    assert.ok(!p4.errors.some((e) => e.field.startsWith('/plans/0/reporting/')), 'no rule runs over an oversized list');
    console.log(`bulk: hostile lists (${Buffer.byteLength(JSON.stringify(r4.body))} bytes of problems) answered in ${ms} ms`);
    assert.ok(ms < 5000, `answered in ${ms} ms`);
    assert.equal(await revisionsSince(t.prefix, r0), 0);
  });

  test('an issued plan is frozen: an item that differs is 409, the same content is unchanged', async () => {
    const t = await makeTree();
    const b = everything(t);
    assert.equal((await api('POST', '/bulk', { token: t.admin, body: b })).status, 200);
    const r1 = await lastRevision();
    const changed = { plans: [{ ...b.plans[1], title: 'Một tiêu đề khác' }] };
    const res = await api('POST', '/bulk', { token: t.admin, body: changed });
    const p = assertProblem(res, 422, { fields: ['/plans/0'] });
    assert.equal(p.errors[0].status, 409);
    assert.match(p.errors[0].message, /issued/);
    const back = await api('POST', '/bulk', { token: t.admin, body: { plans: [{ ...b.plans[1], status: 'draft' }] } });
    assert.equal(assertProblem(back, 422, { fields: ['/plans/0/status'] }).errors[0].status, 409);
    const same = await api('POST', '/bulk', { token: t.admin, body: { plans: [b.plans[1]], activities: [b.activities[0]] } });
    assert.equal(same.status, 200, same.text);
    assert.deepEqual(same.body.plans, count(0, 0, 1));
    assert.deepEqual(same.body.activities, count(0, 0, 1));
    // An activity may still change its status on an issued plan; not its content.
    const st = await api('POST', '/bulk', { token: t.admin, body: { activities: [{ ...b.activities[0], status: 'in_progress', progress: 50 }] } });
    assert.deepEqual(st.body.activities, count(0, 1, 0));
    const add = await api('POST', '/bulk', { token: t.admin, body: { activities: [{ ...b.activities[0], section: 'II.9' }] } });
    assert.equal(assertProblem(add, 422, { fields: ['/activities/0'] }).errors[0].status, 409);
    assert.equal(await revisionsSince(t.prefix, r1), 1);
  });

  test('issuing: the plan needs its activities; only an approver of the issuing unit issues', async () => {
    const t = await makeTree();
    const plan = { unit: t.A, number: '7/KH-SYT', year: 2024, title: 'Kế hoạch năm 2024', issued_on: '2024-01-05', status: 'issued' };
    const none = await api('POST', '/bulk', { token: as('approver', t.A), body: { plans: [plan] } });
    assertProblem(none, 422, { fields: ['/plans/0/activities'] });
    const act = { plan_unit: t.A, plan_number: '7/KH-SYT', plan_year: 2024, section: 'I', title: 'Mục đích, yêu cầu' };
    // Items the token may not write, and nothing else: 403, as a single write.
    const ed = await api('POST', '/bulk', { token: as('editor', t.A), body: { plans: [plan], activities: [act] } });
    assert.equal(assertProblem(ed, 403, { fields: ['/plans/0/status'] }).errors[0].status, 403);
    const above = await api('POST', '/bulk', { token: as('approver', t.root), body: { plans: [plan], activities: [act] } });
    assertProblem(above, 403, { fields: ['/plans/0/status'] });
    const ok = await api('POST', '/bulk', { token: as('approver', t.A), body: { plans: [plan], activities: [act] } });
    assert.equal(ok.status, 200, ok.text);
    const got = (await api('GET', `/plans?unit=${t.A}`, { token: as('viewer', t.A) })).body.items[0];
    assert.equal(got.status, 'issued');
    assert.equal(got.issued_on, '2024-01-05');
    // The editor may now re-send it: nothing changes, nothing to issue.
    const again = await api('POST', '/bulk', { token: as('editor', t.A), body: { plans: [plan], activities: [act] } });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body.plans, count(0, 0, 1));
  });

  test('Idempotency-Key: a retry gets the first answer and creates nothing more', async () => {
    const t = await makeTree();
    const key = `bulk-${t.prefix}`;
    const r0 = await lastRevision();
    const body = { units: [{ code: `${t.B}-7`, name: 'UBND xã Hải Dương', kind: 'commune', parent: t.B }] };
    const first = await api('POST', '/bulk', { token: t.admin, body, headers: { 'Idempotency-Key': key } });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.units, count(1, 0, 0));
    const n = await revisionsSince(t.prefix, r0);
    const retry = await api('POST', '/bulk', { token: t.admin, body, headers: { 'Idempotency-Key': key } });
    assert.equal(retry.status, 200);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, first.body, 'the first answer (created: 1), not "unchanged"');
    assert.equal(await revisionsSince(t.prefix, r0), n);
    const other = await api('POST', '/bulk', { token: t.admin, body: { units: [] }, headers: { 'Idempotency-Key': key } });
    assertProblem(other, 422);
    // The CSV route too.
    const csv = `code,name,kind,parent\n${t.B}-8,UBND xã Hồng Tiến,commune,${t.B}\n`;
    const c1 = await api('POST', '/bulk/units', { token: t.admin, raw: csv, headers: { 'Content-Type': 'text/csv', 'Idempotency-Key': `${key}-csv` } });
    const c2 = await api('POST', '/bulk/units', { token: t.admin, raw: csv, headers: { 'Content-Type': 'text/csv', 'Idempotency-Key': `${key}-csv` } });
    assert.deepEqual(c1.body.units, count(1, 0, 0));
    assert.deepEqual(c2.body, c1.body);
    assert.equal(c2.headers.get('idempotent-replayed'), 'true');
  });
});

describe('authorization per item, as for single writes', () => {
  test('an editor cannot write units; an admin of A cannot write under B; indicators need an admin of a root unit', async () => {
    const t = await makeTree();
    const r0 = await lastRevision();
    const ed = await api('POST', '/bulk', { token: as('editor', t.A), body: { units: [{ code: `${t.A}-5`, name: 'Khoa', kind: 'division', parent: t.A }] } });
    assert.equal(assertProblem(ed, 403, { fields: ['/units/0'] }).errors[0].status, 403);
    const a = await api('POST', '/bulk', { token: adminOf(t.A), body: { units: [
      { code: `${t.A}-5`, name: 'Khoa', kind: 'division', parent: t.A },
      { code: `${t.B}-5`, name: 'Xã', kind: 'commune', parent: t.B },
      { code: t.B1, name: 'Đổi tên', kind: 'commune', parent: t.B },
    ] } });
    assertProblem(a, 422, { fields: ['/units/1/parent', '/units/2/code'] });
    assert.ok(!a.body.errors.some((e) => e.field.startsWith('/units/0')), 'the item within reach is fine');
    const ind = { code: `${t.prefix}-02`, name: 'Chỉ tiêu', measure: 'count', aggregation: 'sum' };
    const na = await api('POST', '/bulk', { token: adminOf(t.A), body: { indicators: [ind] } });
    assert.equal(assertProblem(na, 403, { fields: ['/indicators/0'] }).errors[0].status, 403);
    assert.equal(await revisionsSince(t.prefix, r0), 0);
    assertProblem(await api('POST', '/bulk', { token: as('viewer', t.root), body: { units: [] } }), 403);
  });

  test('an editor with a units section gets 403 whatever the items hold, as POST /units answers; every item named', async () => {
    const t = await makeTree();
    const ed = as('editor', t.A);
    const r0 = await lastRevision();
    const units = [
      { code: `${t.A}-6`, name: 'Khoa', kind: 'ward', parent: t.A },         // a kind that does not exist
      { code: `${t.A}-7`, kind: 'division', parent: t.A, colour: 'red' },     // no name, an unknown field
      { code: `${t.A}-8`, name: 'Khoa', kind: 'division', parent: t.A },      // fine, but not an editor's to write
    ];
    const single = await api('POST', '/units', { token: ed, body: units[0] });
    assertProblem(single, 403);
    const res = await api('POST', '/bulk', { token: ed, body: { units } });
    const p = assertProblem(res, 403, { type: 'forbidden', fields: ['/units/0', '/units/1', '/units/2'] });
    assert.deepEqual(p.errors.map((e) => e.status), [403, 403, 403]);
    assert.match(p.errors[0].message, /only an admin may write units/);
    // With other sections: still 403, and their own problems are named too.
    const plan = { unit: t.A, number: '7/KH', year: 2024, title: 'Kế hoạch', colour: 'red' };
    const mixed = await api('POST', '/bulk', { token: ed, body: { units, plans: [plan] } });
    const pm = assertProblem(mixed, 403, { fields: ['/units/0', '/units/2', '/plans/0/colour'] });
    assert.equal(pm.errors.find((e) => e.field === '/plans/0/colour').status, 422);
    assert.match(pm.detail, /3 item\(s\) of the batch may not be written/);
    // The same by CSV: every row named.
    const csv = 'code,name,kind,parent\r\n' + units.map((u) => `${u.code},${u.name ?? ''},${u.kind},${u.parent}`).join('\r\n') + '\r\n';
    const pc = assertProblem(await api('POST', '/bulk/units', { token: ed, raw: csv, headers: { 'Content-Type': 'text/csv' } }), 403,
      { fields: ['/rows/2', '/rows/3', '/rows/4'] });
    assert.ok(pc.errors.every((e) => e.status === 403));
    // Indicators need an admin too: an approver's item is 403 before its shape is looked at.
    const pi = assertProblem(await api('POST', '/bulk', { token: as('approver', t.root), body: { indicators: [{ code: 'x y' }] } }), 403,
      { fields: ['/indicators/0'] });
    assert.equal(pi.errors.length, 1);
    assert.equal(await revisionsSince(t.prefix, r0), 0);
    assert.equal((await api('GET', `/units/${t.A}-8`, { token: t.admin })).status, 404);
  });

  test('a plan of B by an editor of A is rejected, and so are activities and targets of a plan out of reach', async () => {
    const t = await makeTree();
    const edA = as('editor', t.A);
    const r0 = await lastRevision();
    const pb = { unit: t.B, number: '3/KH-UBND', year: 2024, title: 'Kế hoạch của B' };
    const res = await api('POST', '/bulk', { token: edA, body: { plans: [pb] } });
    assertProblem(res, 422, { fields: ['/plans/0/unit'] });
    // B's plan exists; A cannot write its activities or targets, nor see it.
    assert.equal((await api('POST', '/bulk', { token: as('editor', t.B), body: { plans: [pb] } })).status, 200);
    const key = { unit: t.B, number: '3/KH-UBND', year: 2024 };
    const res2 = await api('POST', '/bulk', { token: edA, body: { activities: [{ plan: key, section: 'II.1', title: 'x' }] } });
    assertProblem(res2, 422, { fields: ['/activities/0/plan'] });
    const res2t = await api('POST', '/bulk', { token: edA, body: { targets: [{ plan: key, indicator: 'GEN-0401', unit: t.B1, target: 1 }] } });
    assertProblem(res2t, 422, { fields: ['/targets/0/plan'] });
    // The province's plan reaches A: A reads it, but may not write it (403).
    const pr = { unit: t.root, number: '9/KH-UBND', year: 2024, title: 'Kế hoạch của tỉnh', recipients: [t.A] };
    assert.equal((await api('POST', '/bulk', { token: t.admin, body: { plans: [pr] } })).status, 200);
    const prKey = { unit: t.root, number: '9/KH-UBND', year: 2024 };
    const res3 = await api('POST', '/bulk', { token: edA, body: {
      plans: [pr], activities: [{ plan: prKey, section: 'II.1', title: 'x' }] } });
    const p3 = assertProblem(res3, 422, { fields: ['/plans/0/unit'] });
    void p3;
    const res4 = await api('POST', '/bulk', { token: edA, body: { activities: [{ plan: prKey, section: 'II.1', title: 'x' }] } });
    assert.equal(assertProblem(res4, 403, { fields: ['/activities/0/plan'] }).errors[0].status, 403);
    const res5 = await api('POST', '/bulk', { token: edA, body: { targets: [{ plan: prKey, indicator: 'GEN-0401', unit: t.A, target: 1 }] } });
    assert.equal(assertProblem(res5, 403, { fields: ['/targets/0/plan'] }).errors[0].status, 403);
    assert.equal(await revisionsSince(`${t.A}`, r0), 0);
  });
});

function csvOf(rows, sep = ',') {
  const cell = (v) => (v === null || v === undefined ? '' : /["\r\n,;]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return rows.map((r) => r.map(cell).join(sep)).join('\r\n') + '\r\n';
}

describe('POST /bulk/{resource} with CSV', () => {
  test('export units as CSV and import the file back: unchanged, Vietnamese text exact', async () => {
    const names = {
      A: 'Sở Lao động – Thương binh và Xã hội, "BĐG"; phòng 2',
      A1: 'Trung tâm Y tế huyện Vân Canh\nKhoa Sản',
      B1: 'UBND phường Tứ Hạ, thị xã Hương Trà',
    };
    const t = await makeTree(names);
    const exp = await api('GET', `/units?under=${t.root}`, { token: t.admin, headers: { Accept: 'text/csv' } });
    assert.equal(exp.status, 200);
    // (fetch's text() drops a BOM: look at the bytes.)
    const raw = Buffer.from(await (await fetch(`${BASE}/api/v1/units?under=${t.root}`, {
      headers: { Authorization: `Bearer ${t.admin}`, Accept: 'text/csv' } })).arrayBuffer());
    assert.deepEqual([...raw.subarray(0, 3)], [0xEF, 0xBB, 0xBF], 'the export starts with a BOM, for Excel');
    assert.equal(raw.subarray(3).toString('utf8'), exp.text);
    const r0 = await lastRevision();
    const imp = await api('POST', '/bulk/units', { token: t.admin, raw: Buffer.from(exp.text, 'utf8'), headers: { 'Content-Type': 'text/csv; charset=utf-8' } });
    assert.equal(imp.status, 200, imp.text);
    assert.deepEqual(imp.body, { dry_run: false, units: count(0, 0, 6) });
    assert.equal(await revisionsSince(t.prefix, r0), 0);
    for (const k of ['A', 'A1', 'B1']) {
      const got = await api('GET', `/units/${t[k]}`, { token: t.admin });
      assert.equal(got.body.name, names[k]);
      assert.equal(got.body.version, 1);
    }
    // Changed in the spreadsheet, imported back: that unit only.
    const edited = exp.text.replace('UBND phường Tứ Hạ, thị xã Hương Trà', 'UBND phường Tứ Hạ (sáp nhập), thị xã Hương Trà');
    const imp2 = await api('POST', '/bulk/units', { token: t.admin, raw: edited, headers: { 'Content-Type': 'text/csv' } });
    assert.deepEqual(imp2.body.units, count(0, 1, 5));
    assert.equal((await api('GET', `/units/${t.B1}`, { token: t.admin })).body.name, 'UBND phường Tứ Hạ (sáp nhập), thị xã Hương Trà');
  });

  test("Excel's variant: BOM, semicolons, quoted cells with doubled quotes and line breaks, CRLF, empty cells", async () => {
    const t = await makeTree();
    const text = '\uFEFFcode;name;kind;parent;valid_from;valid_to\r\n' +
      `${t.B}-3;"UBND xã ""Hương Bình""; mới";commune;${t.B};2020-01-01;\r\n` +
      `${t.B}-4;"Thôn 1\r\nThôn 2";other;${t.B}-3;;\r\n` +
      ';;;;;\r\n';
    const dry = await api('POST', '/bulk/units?dry_run=true', { token: t.admin, raw: Buffer.from(text), headers: { 'Content-Type': 'text/csv' } });
    assert.deepEqual(dry.body, { dry_run: true, units: count(2, 0, 0) });
    assert.equal((await api('GET', `/units/${t.B}-3`, { token: t.admin })).status, 404);
    const res = await api('POST', '/bulk/units', { token: t.admin, raw: Buffer.from(text), headers: { 'Content-Type': 'text/csv' } });
    assert.equal(res.status, 200, res.text);
    const u3 = (await api('GET', `/units/${t.B}-3`, { token: t.admin })).body;
    assert.equal(u3.name, 'UBND xã "Hương Bình"; mới');
    assert.equal(u3.valid_from, '2020-01-01');
    assert.equal(u3.valid_to, null, 'an empty cell is null');
    const u4 = (await api('GET', `/units/${t.B}-4`, { token: t.admin })).body;
    assert.equal(u4.name, 'Thôn 1\r\nThôn 2');
    assert.equal(u4.parent, `${t.B}-3`, 'parents first, within the file');
  });

  test('bad rows are named by their spreadsheet row and column; a bad header names row 1', async () => {
    const t = await makeTree();
    const text = csvOf([
      ['code', 'name', 'kind', 'parent'],
      [`${t.B}-3`, 'UBND xã Hương Bình', 'commune', t.B],
      [`${t.B}-4`, 'Thôn 1\nThôn 2', 'village', t.B],
      [`${t.B}-5`, '', 'commune', `${t.prefix}-NOPE`],
    ]);
    const res = await api('POST', '/bulk/units', { token: t.admin, raw: text, headers: { 'Content-Type': 'text/csv' } });
    assertProblem(res, 422, { fields: ['/rows/3/kind', '/rows/4/name'] });
    const ok = text.replace('village', 'other').replace(/,,commune/, ',Tên,commune');
    assertProblem(await api('POST', '/bulk/units', { token: t.admin, raw: ok, headers: { 'Content-Type': 'text/csv' } }), 422,
      { fields: ['/rows/4/parent'] });
    assertProblem(await api('POST', '/bulk/units', { token: t.admin, raw: 'code,name,kind,colour\nX,y,other,red\n', headers: { 'Content-Type': 'text/csv' } }), 422,
      { fields: ['/rows/1/colour'] });
    assertProblem(await api('POST', '/bulk/units', { token: t.admin, raw: 'code,name\n"X,y\n', headers: { 'Content-Type': 'text/csv' } }), 422,
      { fields: ['/rows'] });
    assert.equal((await api('GET', `/units/${t.B}-3`, { token: t.admin })).status, 404);
    assertProblem(await api('POST', '/bulk/plans', { token: t.admin, raw: 'a\n', headers: { 'Content-Type': 'text/csv' } }), 404);
    assertProblem(await api('POST', '/bulk/units', { token: t.admin, body: { units: [] } }), 415);
    assertProblem(await api('POST', '/bulk/units', { token: t.admin, raw: '', headers: { 'Content-Type': 'text/csv' } }), 400);
  });

  test('indicators, activities and targets from CSV: the plan by its key columns, lists by "|" or JSON text', async () => {
    const t = await makeTree();
    const admin = t.admin;
    const plan = { unit: t.A, number: '60/KH-SYT', year: 2024, title: 'Kế hoạch năm 2024', recipients: [t.A1] };
    assert.equal((await api('POST', '/bulk', { token: admin, body: { plans: [plan] } })).status, 200);
    const ind = csvOf([
      ['code', 'name', 'measure', 'sex_disaggregated', 'aggregation', 'unit_of_measure'],
      [`${t.prefix}-03`, 'Tỷ lệ người được tư vấn', 'percent', 'TRUE', 'latest', '%'],
    ], ';');
    const r1 = await api('POST', '/bulk/indicators', { token: admin, raw: ind, headers: { 'Content-Type': 'text/csv' } });
    assert.deepEqual(r1.body, { dry_run: false, indicators: count(1, 0, 0) });
    const acts = csvOf([
      ['plan_unit', 'plan_number', 'plan_year', 'section', 'category', 'title', 'coordinating_units', 'budget_vnd', 'starts_on', 'ends_on'],
      [t.A, '60/KH-SYT', '2024', 'II.1', 'communication', 'Truyền thông', `${t.A1} | ${t.A2}`, '5000000', '2024-03-01', '2024-03-31'],
      [t.A, '60/KH-SYT', '2024', 'II.2', 'capacity_building', 'Tập huấn, "bồi dưỡng"', `["${t.A2}"]`, '', '', ''],
    ]);
    const r2 = await api('POST', '/bulk/activities', { token: admin, raw: acts, headers: { 'Content-Type': 'text/csv' } });
    assert.equal(r2.status, 200, r2.text);
    assert.deepEqual(r2.body.activities, count(2, 0, 0));
    const p = (await api('GET', `/plans?unit=${t.A}`, { token: admin })).body.items[0];
    const list = (await api('GET', `/plans/${p.id}/activities`, { token: admin })).body.items;
    assert.deepEqual(list.map((a) => a.coordinating_units), [[t.A1, t.A2], [t.A2]]);
    assert.equal(list[0].budget_vnd, 5000000);
    assert.equal(list[1].title, 'Tập huấn, "bồi dưỡng"');
    // Exported activities import back unchanged (the plan by its id).
    const exp = await api('GET', `/plans/${p.id}/activities`, { token: admin, headers: { Accept: 'text/csv' } });
    const back = await api('POST', '/bulk/activities', { token: admin, raw: exp.text, headers: { 'Content-Type': 'text/csv' } });
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(back.body.activities, count(0, 0, 2));
    const tg = csvOf([
      ['plan_unit', 'plan_number', 'plan_year', 'indicator', 'unit', 'sex', 'baseline', 'target'],
      [t.A, '60/KH-SYT', '2024', `${t.prefix}-03`, t.A1, 'female', '12,5', '20'],
      [t.A, '60/KH-SYT', '2024', `${t.prefix}-03`, t.A1, 'male', '', '15'],
    ], ';');
    const r3 = await api('POST', '/bulk/targets', { token: admin, raw: tg, headers: { 'Content-Type': 'text/csv' } });
    assert.equal(r3.status, 200, r3.text);
    assert.deepEqual(r3.body.targets, count(2, 0, 0));
    const set = (await api('GET', `/plans/${p.id}/targets`, { token: admin })).body.targets;
    assert.ok(set.some((x) => x.sex === 'female' && x.baseline === 12.5 && x.target === 20));
    const bad = csvOf([
      ['plan_unit', 'plan_number', 'plan_year', 'indicator', 'unit', 'sex', 'target'],
      [t.A, '60/KH-SYT', 'năm 2024', `${t.prefix}-03`, t.A1, 'female', '20'],
      [t.A, '61/KH-SYT', '2024', `${t.prefix}-03`, t.A1, 'female', '20'],
    ]);
    assertProblem(await api('POST', '/bulk/targets', { token: admin, raw: bad, headers: { 'Content-Type': 'text/csv' } }), 422,
      { fields: ['/rows/2/plan_year'] });
    assertProblem(await api('POST', '/bulk/targets', { token: admin, raw: bad.replace('năm 2024', '2024'), headers: { 'Content-Type': 'text/csv' } }), 422,
      { fields: ['/rows/3/plan'] });
  });
});

describe('speed', () => {
  test('10,000 units in one request (the time is printed, not asserted)', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    const units = [{ code: p, name: 'UBND tỉnh (thử tải)', kind: 'province' }];
    for (let d = 0; d < 99; d++) {
      units.push({ code: `${p}-D${d}`, name: `UBND huyện số ${d}`, kind: 'district', parent: p });
      for (let c = 0; c < 100; c++) units.push({ code: `${p}-D${d}-X${c}`, name: `UBND xã ${c} – huyện ${d}`, kind: 'commune', parent: `${p}-D${d}` });
    }
    let t0 = Date.now();
    const res = await api('POST', '/bulk', { token: admin, body: { units } });
    const created = Date.now() - t0;
    assert.equal(res.status, 200, res.text.slice(0, 500));
    assert.deepEqual(res.body.units, count(10000, 0, 0));
    t0 = Date.now();
    const again = await api('POST', '/bulk', { token: admin, body: { units } });
    const unchanged = Date.now() - t0;
    assert.deepEqual(again.body.units, count(0, 0, 10000));
    const text = csvOf([['code', 'name', 'kind', 'parent'],
      ...units.map((u) => [u.code, u.code.endsWith('-X7') ? `${u.name} (đổi)` : u.name, u.kind, u.parent])], ';');
    t0 = Date.now();
    const csv = await api('POST', '/bulk/units', { token: admin, raw: text, headers: { 'Content-Type': 'text/csv' } });
    const csvMs = Date.now() - t0;
    assert.equal(csv.status, 200, csv.text.slice(0, 500));
    assert.deepEqual(csv.body.units, count(0, 99, 9901));
    console.log(`# bulk: 10,000 units created in ${created} ms; the same batch again (unchanged) in ${unchanged} ms; ` +
      `as CSV with 99 changed in ${csvMs} ms`);
  });

  // An export of several pages: once, the dispatcher lost its route after
  // the first page and crashed on the second (api/http.c run_export).
  test('an export of more than one page (600 units) as CSV imports back unchanged',
    async () => {
      const p = newPrefix();
      const admin = adminOf(p);
      const units = [{ code: p, name: 'UBND tỉnh', kind: 'province' }];
      for (let i = 0; i < 599; i++) units.push({ code: `${p}-${i}`, name: `Đơn vị số ${i} – "Hương Trà"`, kind: 'other', parent: p });
      assert.equal((await api('POST', '/bulk', { token: admin, body: { units } })).status, 200);
      const exp = await api('GET', `/units?under=${p}`, { token: admin, headers: { Accept: 'text/csv' } });
      assert.equal(exp.text.split('\r\n').filter(Boolean).length, 601);
      const back = await api('POST', '/bulk/units', { token: admin, raw: exp.text, headers: { 'Content-Type': 'text/csv' } });
      assert.deepEqual(back.body.units, count(0, 0, 600));
      const nd = await api('GET', `/units?under=${p}`, { token: admin, headers: { Accept: 'application/x-ndjson' } });
      assert.equal(nd.text.split('\n').filter(Boolean).length, 600);
    });
});

// A CSV text (RFC 4180) as rows of cells.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') q = false; else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r' && text[i + 1] === '\n') { /* CRLF */ } else if (ch === '\n') {
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

async function rawGet(path, tok, accept) {
  const res = await fetch(`${BASE}/api/v1${path}`, { headers: { Authorization: `Bearer ${tok}`, Accept: accept } });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('every list exports as CSV and NDJSON, with the same filters', () => {
  test('units, children, ancestors, plans, plan children, plan activities, activities, indicators', async () => {
    const t = await makeTree({ A: 'Sở Y tế, "Thừa Thiên Huế"' });
    const b = everything(t);
    assert.equal((await api('POST', '/bulk', { token: t.admin, body: b })).status, 200);
    const plans = (await api('GET', `/plans?under=${t.root}`, { token: t.admin })).body.items;
    const p53 = plans.find((p) => p.number === '53/KH-UBND');
    // (The contract of /indicators and /units/{code}/ancestors does not
    // describe text/csv and application/x-ndjson yet: their answers are not
    // checked against it here.)
    const lists = [
      [`/units?under=${t.root}&kind=division`, true],
      [`/units/${t.A}/children`, true],
      [`/units/${t.A1}/ancestors`, false, true],
      [`/plans?under=${t.root}&year=2019&status=issued`, true],
      [`/plans/${p53.id}/children`, true],
      [`/plans/${p53.id}/activities`, true],
      [`/activities?plan=${p53.id}&category=communication`, true],
      [`/indicators?q=${encodeURIComponent(t.prefix)}&measure=count`, false],
    ];
    // Reports too: a report on the issued plan 53/KH-UBND.
    const rep = await api('POST', '/bulk', { token: t.admin, body: { reports: [{ plan: { unit: t.root, number: '53/KH-UBND', year: 2019 },
      unit: t.A, period: '2019', results: 'Kết quả: "tốt", đạt 100%', values: [{ indicator: 'GEN-0401', value: 2 }] }] } });
    assert.equal(rep.status, 200, rep.text);
    lists.push([`/reports?plan=${p53.id}&status=draft`, true]);
    for (const [path, validate, single] of lists) {
      const items = single ? (await api('GET', path, { token: t.admin, validate })).body.items
        : (await listAll(path, t.admin, 1)).items;
      assert.ok(items.length >= 1, `${path} lists something`);
      const nd = await api('GET', path, { token: t.admin, validate, headers: { Accept: 'application/x-ndjson' } });
      assert.equal(nd.status, 200, `${path}: ${nd.text}`);
      assert.match(nd.headers.get('content-type'), /^application\/x-ndjson/);
      assert.deepEqual(nd.text.split('\n').filter(Boolean).map((l) => JSON.parse(l)), items, `${path} as NDJSON`);
      if (validate) await api('GET', path, { token: t.admin, headers: { Accept: 'text/csv' } });
      const csv = await rawGet(path, t.admin, 'text/csv');
      assert.equal(csv.status, 200);
      assert.match(csv.type, /^text\/csv; charset=utf-8/);
      assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF], `${path}: UTF-8 with a BOM`);
      const rows = parseCsv(csv.bytes.subarray(3).toString('utf8'));
      const header = rows[0];
      assert.deepEqual(header.slice().sort(), Object.keys(items[0]).sort(), `${path}: the header names the fields`);
      assert.equal(rows.length - 1, items.length, `${path}: one row per item`);
      rows.slice(1).forEach((r, i) => {
        header.forEach((h, k) => {
          const v = items[i][h];
          const want = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
          assert.equal(r[k], want, `${path} row ${i + 2} ${h}`);
          if (/_(on|from|to)$/.test(h) && want) assert.match(r[k], /^\d{4}-\d{2}-\d{2}$/, 'dates as ISO');
          if (/_at$/.test(h) && want) assert.match(r[k], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/, 'times as ISO');
        });
      });
    }
  });
});

// Reports: a tree with an issued plan addressed to A and B (periods 2024-H1
// and 2024), one activity, as a batch.
async function reportingTree() {
  const t = await makeTree();
  const key = { unit: t.root, number: '25/KH-UBND', year: 2024 };
  const res = await api('POST', '/bulk', { token: t.admin, body: {
    plans: [{ ...key, title: 'Kế hoạch thực hiện công tác bình đẳng giới năm 2024', issued_on: '2024-01-10',
      recipients: [t.A, t.B], reporting: [{ period: '2024-H1', due_on: '2024-05-25' }, { period: '2024', due_on: '2024-11-25' }],
      status: 'issued' }],
    activities: [{ plan: key, section: 'II.1', category: 'communication', title: 'Truyền thông về bình đẳng giới' }],
  } });
  assert.equal(res.status, 200, res.text);
  return { ...t, key };
}

async function storedReport(t, unit, period) {
  const rows = await sql(`SELECT r.id, r.status, r.version, r.results, (SELECT coalesce(jsonb_agg(jsonb_build_object('indicator', i.code,
      'sex', v.sex, 'value', v.value) ORDER BY i.code, v.sex), '[]') FROM bdg.report_value v JOIN bdg.indicator i ON i.id = v.indicator_id
      WHERE v.report_id = r.id) AS values,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('section', a.section, 'status', ra.status, 'sessions', ra.sessions)), '[]')
      FROM bdg.report_activity ra JOIN bdg.activity a ON a.id = ra.activity_id WHERE ra.report_id = r.id) AS acts
    FROM bdg.report r JOIN bdg.unit u ON u.id = r.unit_id JOIN bdg.plan p ON p.id = r.plan_id JOIN bdg.unit pu ON pu.id = p.unit_id
    WHERE pu.code = :'root' AND p.number = '25/KH-UBND' AND u.code = :'unit' AND r.period = :'period'`,
  { root: t.root, unit, period });
  return rows[0];
}

describe('reports, by key (plan, unit, period)', () => {
  test('report items with values and activity results by section; re-sent unchanged; only what differs is written', async () => {
    const t = await reportingTree();
    const report = {
      plan: t.key, unit: t.A, period: '2024-H1', results: 'Tổ chức 3 buổi truyền thông về bình đẳng giới',
      activity_results: [{ section: 'II.1', status: 'done', sessions: 3, participants_female: 40, participants_male: 12 }],
      values: [{ indicator: 'GEN-0402', sex: 'female', value: 40 }, { indicator: 'GEN-0402', sex: 'male', value: 12 },
        { indicator: 'GEN-0401', value: 3 }],
    };
    const r0 = await lastRevision();
    const run = await api('POST', '/bulk', { token: as('editor', t.A), body: { reports: [report] } });
    assert.equal(run.status, 200, run.text);
    assert.deepEqual(run.body, { dry_run: false, reports: count(1, 0, 0) });
    const got = await storedReport(t, t.A, '2024-H1');
    assert.equal(got.status, 'draft');
    assert.equal(got.version, 1, 'a report with its values in one batch: one version');
    assert.deepEqual(got.values, [{ indicator: 'GEN-0401', sex: 'total', value: 3 }, { indicator: 'GEN-0402', sex: 'female', value: 40 },
      { indicator: 'GEN-0402', sex: 'male', value: 12 }, { indicator: 'GEN-0402', sex: 'total', value: 52 }], 'the total of a count is derived');
    assert.deepEqual(got.acts, [{ section: 'II.1', status: 'done', sessions: 3 }]);
    const r1 = await lastRevision();
    assert.equal(await revisionsSince(t.prefix, r0), 1);
    const again = await api('POST', '/bulk', { token: as('editor', t.A), body: { reports: [report] } });
    assert.deepEqual(again.body.reports, count(0, 0, 1));
    assert.equal(await revisionsSince(t.prefix, r1), 0);
    const changed = { ...report, values: [...report.values.slice(0, 2), { indicator: 'GEN-0401', value: 4 }] };
    const upd = await api('POST', '/bulk', { token: as('editor', t.A), body: { reports: [changed] } });
    assert.deepEqual(upd.body.reports, count(0, 1, 0));
    assert.equal((await storedReport(t, t.A, '2024-H1')).version, 2);
  });

  test('the rules of a report, per item, named by their JSON pointer', async () => {
    const t = await reportingTree();
    const base = { plan: t.key, unit: t.A, period: '2024' };
    const bad = await api('POST', '/bulk', { token: t.admin, body: { reports: [
      { ...base, values: [{ indicator: 'GEN-0401', value: 2.5 }, { indicator: 'GEN-0402', sex: 'female', value: 1 }] },
      { ...base, unit: t.B, period: '2025' },
      { ...base, unit: t.A1 },
      { ...base, unit: t.B, values: [{ indicator: 'GEN-0401', sex: 'female', value: 1 }, { indicator: `${t.prefix}-NONE`, value: 1 }],
        activity_results: [{ section: 'IX.9', status: 'done' }] },
    ] } });
    assertProblem(bad, 422, { fields: ['/reports/0/values/0/value', '/reports/1/period', '/reports/2/unit',
      '/reports/3/values/0/sex', '/reports/3/values/1/indicator', '/reports/3/activity_results/0/section'] });
    const sexes = await api('POST', '/bulk', { token: t.admin, body: { reports: [
      { ...base, values: [{ indicator: 'GEN-0402', sex: 'female', value: 1 }] },
      { ...base, unit: t.B, values: [{ indicator: 'GEN-0402', sex: 'female', value: 1 }, { indicator: 'GEN-0402', sex: 'male', value: 2 },
        { indicator: 'GEN-0402', sex: 'total', value: 4 }] },
    ] } });
    assertProblem(sexes, 422, { fields: ['/reports/0/values/0/sex', '/reports/1/values/2/value'] });
    // Authorization: an editor of B cannot write A's report.
    const other = await api('POST', '/bulk', { token: as('editor', t.B), body: { reports: [base] } });
    assertProblem(other, 422, { fields: ['/reports/0/unit'] });
    assert.equal(await storedReport(t, t.A, '2024'), undefined);
  });

  test('only drafts are written: a submitted report that differs is 409, the same content is unchanged', async () => {
    const t = await reportingTree();
    const report = { plan: t.key, unit: t.A, period: '2024-H1', results: 'Đã thực hiện', values: [{ indicator: 'GEN-0401', value: 3 }] };
    assert.equal((await api('POST', '/bulk', { token: t.admin, body: { reports: [report] } })).status, 200);
    const { id } = await storedReport(t, t.A, '2024-H1');
    const sub = await api('POST', `/reports/${id}/submit`, { token: as('approver', t.A), validate: false });
    assert.equal(sub.status, 200, sub.text);
    const r1 = await lastRevision();
    const same = await api('POST', '/bulk', { token: t.admin, body: { reports: [report] } });
    assert.equal(same.status, 200, same.text);
    assert.deepEqual(same.body.reports, count(0, 0, 1));
    const diff = await api('POST', '/bulk', { token: t.admin, body: { reports: [{ ...report, results: 'Khác' }] } });
    assert.equal(assertProblem(diff, 422, { fields: ['/reports/0'] }).errors[0].status, 409);
    const row = await api('POST', '/bulk/report_values', { token: t.admin, headers: { 'Content-Type': 'text/csv' },
      raw: csvOf([['plan_unit', 'plan_number', 'plan_year', 'unit', 'period', 'indicator', 'value'],
        [t.root, '25/KH-UBND', '2024', t.A, '2024-H1', 'GEN-0401', '5']]) });
    assertProblem(row, 422, { fields: ['/rows/2'] });
    assert.equal(await revisionsSince(t.prefix, r1), 0);
  });

  test('report values from CSV: rows go to their reports (created as drafts), other values stay; bad rows named', async () => {
    const t = await reportingTree();
    const head = ['plan_unit', 'plan_number', 'plan_year', 'unit', 'period', 'indicator', 'sex', 'value'];
    const k = [t.root, '25/KH-UBND', '2024'];
    const text = csvOf([head,
      [...k, t.A, '2024', 'GEN-0402', 'female', '40'], [...k, t.A, '2024', 'GEN-0402', 'male', '12'],
      [...k, t.A, '2024', 'GEN-0401', '', '3'], [...k, t.B, '2024', 'GEN-0401', 'total', '1']], ';');
    const dry = await api('POST', '/bulk/report_values?dry_run=true', { token: t.admin, raw: text, headers: { 'Content-Type': 'text/csv' } });
    assert.deepEqual(dry.body, { dry_run: true, reports: count(2, 0, 0), report_values: count(4, 0, 0) });
    const res = await api('POST', '/bulk/report_values', { token: t.admin, raw: text, headers: { 'Content-Type': 'text/csv' } });
    assert.deepEqual(res.body, { dry_run: false, reports: count(2, 0, 0), report_values: count(4, 0, 0) });
    assert.deepEqual((await storedReport(t, t.A, '2024')).values.map((v) => `${v.indicator} ${v.sex} ${v.value}`),
      ['GEN-0401 total 3', 'GEN-0402 female 40', 'GEN-0402 male 12', 'GEN-0402 total 52']);
    // One value changed in a second file: the others stay; the total follows.
    const more = csvOf([head, [...k, t.A, '2024', 'GEN-0402', 'male', '20']]);
    const res2 = await api('POST', '/bulk/report_values', { token: t.admin, raw: more, headers: { 'Content-Type': 'text/csv' } });
    assert.deepEqual(res2.body, { dry_run: false, reports: count(0, 1, 0), report_values: count(0, 1, 0) });
    assert.deepEqual((await storedReport(t, t.A, '2024')).values.map((v) => `${v.indicator} ${v.sex} ${v.value}`),
      ['GEN-0401 total 3', 'GEN-0402 female 40', 'GEN-0402 male 20', 'GEN-0402 total 60']);
    assert.deepEqual((await api('POST', '/bulk/report_values', { token: t.admin, raw: more, headers: { 'Content-Type': 'text/csv' } })).body,
      { dry_run: false, reports: count(0, 0, 1), report_values: count(0, 0, 1) });
    const bad = csvOf([head, [...k, t.A, '2024', 'GEN-0401', '', '1,5'], [...k, t.A, '2024-Q9', 'GEN-0401', '', '1'],
      [...k, t.A, '2024', 'GEN-0401', 'nữ', '1']]);
    assertProblem(await api('POST', '/bulk/report_values', { token: t.admin, raw: bad, headers: { 'Content-Type': 'text/csv' } }), 422,
      { fields: ['/rows/3/period', '/rows/4/sex'] });
    const bad2 = csvOf([head, [...k, t.A, '2024', 'GEN-0401', '', '1,5'], [...k, t.A1, '2024', 'GEN-0401', '', '1']]);
    assertProblem(await api('POST', '/bulk/report_values', { token: t.admin, raw: bad2, headers: { 'Content-Type': 'text/csv' } }), 422,
      { fields: ['/rows/3/unit'] });
    const bad3 = csvOf([head, [...k, t.A, '2024', 'GEN-0401', '', '1,5']]);
    assertProblem(await api('POST', '/bulk/report_values', { token: t.admin, raw: bad3, headers: { 'Content-Type': 'text/csv' } }), 422,
      { fields: ['/rows/2/value'] });
  });

  test('100,000 report values from one CSV file (the time is printed, not asserted)', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    const units = [{ code: p, name: 'UBND tỉnh (đo tải)', kind: 'province' }];
    for (let i = 0; i < 1000; i++) units.push({ code: `${p}-U${i}`, name: `Đơn vị ${i}`, kind: 'other', parent: p });
    const indicators = [];
    for (let j = 0; j < 100; j++) indicators.push({ code: `${p}-I${j}`, name: `Chỉ tiêu ${j}`, measure: 'count', aggregation: 'sum' });
    const key = { unit: p, number: '1/KH-UBND', year: 2024 };
    const setup = await api('POST', '/bulk', { token: admin, body: { units, indicators,
      plans: [{ ...key, title: 'Kế hoạch', issued_on: '2024-01-10', recipients: units.slice(1).map((u) => u.code),
        reporting: [{ period: '2024', due_on: '2024-11-25' }], status: 'issued' }],
      activities: [{ plan: key, section: 'I', title: 'Mục đích' }] } });
    assert.equal(setup.status, 200, setup.text.slice(0, 300));
    const lines = ['plan_unit;plan_number;plan_year;unit;period;indicator;sex;value'];
    for (let i = 0; i < 1000; i++) for (let j = 0; j < 100; j++) lines.push(`${p};1/KH-UBND;2024;${p}-U${i};2024;${p}-I${j};;${(i + j) % 50}`);
    const text = lines.join('\n') + '\n';
    let t0 = Date.now();
    const res = await api('POST', '/bulk/report_values', { token: admin, raw: text, headers: { 'Content-Type': 'text/csv' } });
    const created = Date.now() - t0;
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.deepEqual(res.body, { dry_run: false, reports: count(1000, 0, 0), report_values: count(100000, 0, 0) });
    t0 = Date.now();
    const again = await api('POST', '/bulk/report_values', { token: admin, raw: text, headers: { 'Content-Type': 'text/csv' } });
    const unchanged = Date.now() - t0;
    assert.deepEqual(again.body, { dry_run: false, reports: count(0, 0, 1000), report_values: count(0, 0, 100000) });
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM bdg.report_value v JOIN bdg.report r ON r.id = v.report_id
      JOIN bdg.unit u ON u.id = r.unit_id WHERE u.code LIKE :'p' || '-U%'`, { p });
    assert.equal(n, 100000);
    console.log(`# bulk: 100,000 report values (1,000 new reports) in ${created} ms; the same file again (unchanged) in ${unchanged} ms`);
  });
});
