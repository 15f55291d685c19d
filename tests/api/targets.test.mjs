// targets.test.mjs: GET/PUT /plans/{id}/targets: the set and its ETag,
// replace semantics, If-Match (428/412/*), validation against each
// indicator's measure with the item named (/targets/3/target), units within
// the plan's reach, who reads (the plan's readers; 404 otherwise) and who
// writes (editors of the issuing unit's subtree; 403 for other readers),
// targets after issue, audit rows.
//
// Plans are created through POST /plans (psql as user bdg, in a
// transaction with app.sub = 'test', where the server has no plans API).
// Every answer is checked against openapi.yaml (lib.mjs's api()).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import {
  api, assertProblem, makeTree, newPrefix, pgTarget, sql, token,
} from './lib.mjs';


// ---- helpers --------------------------------------------------------------

const roleOf = (role, code) => token({ sub: `${role}-${code}`, unit: code, role });

// Run a psql script as bdg on the test cluster; resolves with stdout.
function psql(script, vars = {}) {
  const { host, port } = pgTarget();
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', 'bdg', '-d', 'bdg'];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  return new Promise((ok, fail) => {
    const child = execFile('psql', args, { timeout: 10000 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`psql: ${stderr || err.message}`));
      else ok(stdout);
    });
    child.stdin.end(script);
  });
}

// A plan of `unit` for `year` with these recipients, as a draft (or
// issued): created by an editor of the unit through POST /plans; with psql
// when the server has no plans API. Issued by psql (issuing through the
// API needs activities: another resource's rules, not these tests').
async function makePlan({ unit, year = 2024, recipients = [], status = 'draft', title = 'Kế hoạch thực hiện công tác bình đẳng giới' }) {
  let id;
  const res = await api('POST', '/plans', { token: roleOf('editor', unit), body: { unit, year, title, recipients }, validate: false });
  if (res.status === 201) {
    id = res.body.id;
  } else if (res.status === 404 || res.status === 405) {
    const out = await psql(`BEGIN;
SELECT set_config('app.sub', 'test', true) \\g /dev/null
INSERT INTO bdg.plan (unit_id, year, title) SELECT id, :'year'::int, :'title' FROM bdg.unit WHERE code = :'unit' RETURNING id \\gset
INSERT INTO bdg.plan_recipient (plan_id, unit_id)
  SELECT :id, u.id FROM bdg.unit u WHERE u.code = ANY (string_to_array(nullif(:'rcpt', ''), ','));
COMMIT;
\\echo PLANID :id
`, { unit, year: String(year), title, rcpt: recipients.join(',') });
    const m = /PLANID (\d+)/.exec(out);
    assert.ok(m, `no plan id in ${out}`);
    id = Number(m[1]);
  } else {
    assert.fail(`POST /plans: ${res.status} ${res.text}`);
  }
  if (status !== 'draft') {
    await psql("BEGIN; SELECT set_config('app.sub', 'test', true) \\g /dev/null\nUPDATE bdg.plan SET status = :'status' WHERE id = :'id'::bigint; COMMIT;",
      { id: String(id), status });
  }
  return id;
}

async function getSet(plan, tok) {
  const res = await api('GET', `/plans/${plan}/targets`, { token: tok });
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('etag'), /^"[0-9]+"$/);
  return res;
}

async function putSet(plan, tok, targets, etag) {
  return api('PUT', `/plans/${plan}/targets`, { token: tok, headers: etag ? { 'If-Match': etag } : {}, body: { targets } });
}

function targetAudit(plan) {
  return sql("SELECT key, op, actor_sub, actor_unit, (scope = (SELECT u.path FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id WHERE p.id = :'plan'::bigint)) AS scoped, before->>'target' AS b, after->>'target' AS a FROM bdg.audit WHERE resource = 'target' AND key LIKE :'plan' || ' %' ORDER BY revision",
    { plan: String(plan) });
}

// The tree of lib.mjs, and a plan of the department P-A addressed to the
// district P-B (a sibling): P-A's subtree and P-B are within its reach.
//   P ── P-A ── P-A-1, P-A-2
//     └─ P-B ── P-B-1
async function setup() {
  const t = await makeTree();
  const plan = await makePlan({ unit: t.A, recipients: [t.B] });
  return { ...t, plan, editor: roleOf('editor', t.A) };
}

// ---- reading --------------------------------------------------------------

describe('reading a plan\'s targets', () => {
  test('a plan without targets: {"targets": []} with an ETag that does not change; If-None-Match answers 304', async () => {
    const s = await setup();
    const a = await getSet(s.plan, s.editor);
    assert.deepEqual(a.body, { targets: [] });
    const b = await getSet(s.plan, roleOf('viewer', s.A));
    assert.equal(b.headers.get('etag'), a.headers.get('etag'));
    const c = await api('GET', `/plans/${s.plan}/targets`, { token: s.editor, headers: { 'If-None-Match': a.headers.get('etag') } });
    assert.equal(c.status, 304);
  });

  test('who reads: the issuing subtree, units above, recipients and their subtrees; a sibling gets 404 like a plan that does not exist', async () => {
    const s = await setup();
    for (const unit of [s.A, s.A1, s.A2, s.root, s.B, s.B1]) {
      const res = await api('GET', `/plans/${s.plan}/targets`, { token: roleOf('viewer', unit) });
      assert.equal(res.status, 200, `${unit}: ${res.text}`);
    }
    // A plan of P-A-1: its sibling P-A-2 does not read it.
    const own = await makePlan({ unit: s.A1 });
    const sibling = await api('GET', `/plans/${own}/targets`, { token: roleOf('admin', s.A2) });
    assertProblem(sibling, 404, { type: 'not_found' });
    const missing = await api('GET', '/plans/999999999/targets', { token: roleOf('admin', s.A2) });
    assertProblem(missing, 404);
    assert.equal(sibling.body.detail, missing.body.detail);
    assertProblem(await api('PUT', `/plans/${own}/targets`, { token: roleOf('admin', s.A2), headers: { 'If-Match': '*' }, body: { targets: [] } }), 404);
    // Another tree entirely, and a token whose unit does not exist.
    const other = await makeTree();
    assertProblem(await api('GET', `/plans/${s.plan}/targets`, { token: roleOf('admin', other.root) }), 404);
    assertProblem(await api('GET', `/plans/${s.plan}/targets`, { token: roleOf('admin', newPrefix()) }), 404);
    assertProblem(await api('GET', '/plans/abc/targets', { token: s.editor }), 404);
    assertProblem(await api('GET', `/plans/${s.plan}/targets`), 401);
  });
});

// ---- writing --------------------------------------------------------------

describe('replacing a plan\'s targets', () => {
  test('PUT replaces the whole set: created, updated, deleted, each audited; the answer is the stored set with its new ETag', async () => {
    const s = await setup();
    const e0 = (await getSet(s.plan, s.editor)).headers.get('etag');
    const first = await putSet(s.plan, s.editor, [
      { indicator: 'GEN-0402', unit: s.A, sex: 'female', baseline: 120, target: 300 },
      { indicator: 'GEN-0301', unit: s.A1, target: 35.5, year: 2025 },
      { indicator: 'GEN-0401', unit: s.A, target: 12 },
      { indicator: 'GEN-0402', unit: s.A, sex: 'male', target: 200 },
    ], e0);
    assert.equal(first.status, 200, first.text);
    const e1 = first.headers.get('etag');
    assert.notEqual(e1, e0);
    // Ordered by indicator, unit, sex; year defaults to the plan's; sex to total.
    assert.deepEqual(first.body, {
      targets: [
        { indicator: 'GEN-0301', unit: s.A1, sex: 'total', year: 2025, baseline: null, target: 35.5 },
        { indicator: 'GEN-0401', unit: s.A, sex: 'total', year: 2024, baseline: null, target: 12 },
        { indicator: 'GEN-0402', unit: s.A, sex: 'female', year: 2024, baseline: 120, target: 300 },
        { indicator: 'GEN-0402', unit: s.A, sex: 'male', year: 2024, baseline: null, target: 200 },
      ],
    });
    const read = await getSet(s.plan, roleOf('viewer', s.root));
    assert.deepEqual(read.body, first.body);
    assert.equal(read.headers.get('etag'), e1);

    // Replace: drop GEN-0401, change GEN-0301, keep the two GEN-0402, add one.
    const second = await putSet(s.plan, s.editor, [
      { indicator: 'GEN-0402', unit: s.A, sex: 'male', target: 200 },
      { indicator: 'GEN-0301', unit: s.A1, target: 40, year: 2025 },
      { indicator: 'GEN-0402', unit: s.A, sex: 'female', baseline: 120, target: 300 },
      { indicator: 'GEN-0305', unit: s.A, target: 60 },
    ], e1);
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(second.body.targets.map((x) => `${x.indicator} ${x.unit} ${x.sex} ${x.target}`), [
      `GEN-0301 ${s.A1} total 40`, `GEN-0305 ${s.A} total 60`, `GEN-0402 ${s.A} female 300`, `GEN-0402 ${s.A} male 200`,
    ]);
    const e2 = second.headers.get('etag');
    assert.notEqual(e2, e1);

    // The same set again writes nothing and keeps the ETag.
    const third = await putSet(s.plan, s.editor, second.body.targets, e2);
    assert.equal(third.status, 200);
    assert.equal(third.headers.get('etag'), e2);

    const audit = await targetAudit(s.plan);
    const who = { actor_sub: `editor-${s.A}`, actor_unit: s.A, scoped: true };
    assert.deepEqual(audit, [
      { key: `${s.plan} GEN-0402 ${s.A} female`, op: 'create', b: null, a: '300', ...who },
      { key: `${s.plan} GEN-0301 ${s.A1} total`, op: 'create', b: null, a: '35.5', ...who },
      { key: `${s.plan} GEN-0401 ${s.A} total`, op: 'create', b: null, a: '12', ...who },
      { key: `${s.plan} GEN-0402 ${s.A} male`, op: 'create', b: null, a: '200', ...who },
      { key: `${s.plan} GEN-0301 ${s.A1} total`, op: 'update', b: '35.5', a: '40', ...who },
      { key: `${s.plan} GEN-0305 ${s.A} total`, op: 'create', b: null, a: '60', ...who },
      { key: `${s.plan} GEN-0401 ${s.A} total`, op: 'delete', b: '12', a: null, ...who },
    ]);

    // An empty set deletes them all.
    const none = await putSet(s.plan, s.editor, [], e2);
    assert.equal(none.status, 200);
    assert.deepEqual(none.body, { targets: [] });
    assert.equal(none.headers.get('etag'), (await getSet(s.plan, s.editor)).headers.get('etag'));
    const rows = await sql('SELECT count(*)::int AS n FROM bdg.target WHERE plan_id = :\'plan\'::bigint', { plan: String(s.plan) });
    assert.equal(rows[0].n, 0);
  });

  test('If-Match: 428 without it, 412 with a stale ETag (nothing written), * overwrites', async () => {
    const s = await setup();
    const e0 = (await getSet(s.plan, s.editor)).headers.get('etag');
    const body = [{ indicator: 'GEN-0401', unit: s.A, target: 4 }];
    assertProblem(await putSet(s.plan, s.editor, body), 428, { type: 'precondition_required' });
    const ok = await putSet(s.plan, s.editor, body, e0);
    assert.equal(ok.status, 200);
    // Another writer read e0 too: its write is refused.
    const stale = await putSet(s.plan, s.editor, [{ indicator: 'GEN-0401', unit: s.A, target: 9 }], e0);
    assertProblem(stale, 412, { type: 'precondition_failed' });
    assert.deepEqual((await getSet(s.plan, s.editor)).body.targets.map((x) => x.target), [4]);
    assertProblem(await putSet(s.plan, s.editor, body, '"12345"'), 412);
    assertProblem(await putSet(s.plan, s.editor, body, 'garbage'), 412);
    const any = await putSet(s.plan, s.editor, [{ indicator: 'GEN-0401', unit: s.A, target: 9 }], '*');
    assert.equal(any.status, 200);
    assert.equal(any.body.targets[0].target, 9);
    // A write by anyone else (here psql) changes the ETag too.
    const e1 = any.headers.get('etag');
    await psql("BEGIN; SELECT set_config('app.sub', 'test', true) \\g /dev/null\nUPDATE bdg.target SET target = 10 WHERE plan_id = :'plan'::bigint; COMMIT;", { plan: String(s.plan) });
    assertProblem(await putSet(s.plan, s.editor, [], e1), 412);
  });

  test('two writers with the same ETag at the same time: one wins, the other gets 412', async () => {
    const s = await setup();
    for (let round = 0; round < 5; round++) {
      const etag = (await getSet(s.plan, s.editor)).headers.get('etag');
      const [a, b] = await Promise.all([
        putSet(s.plan, s.editor, [{ indicator: 'GEN-0401', unit: s.A, target: 100 + round }], etag),
        putSet(s.plan, roleOf('editor', s.root), [{ indicator: 'GEN-0404', unit: s.A1, target: 200 + round }], etag),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [200, 412], `${a.text} ${b.text}`);
      const winner = a.status === 200 ? a : b;
      const now = await getSet(s.plan, s.editor);
      assert.deepEqual(now.body, winner.body);
      assert.equal(now.headers.get('etag'), winner.headers.get('etag'));
    }
  });

  test('who writes: editors and above of the issuing unit or a unit above it; other readers 403, viewers 403', async () => {
    const s = await setup();
    for (const [role, unit] of [['editor', s.A], ['approver', s.A], ['admin', s.A], ['editor', s.root]]) {
      const res = await putSet(s.plan, roleOf(role, unit), [{ indicator: 'GEN-0401', unit: s.A, target: 1 }], '*');
      assert.equal(res.status, 200, `${role} of ${unit}: ${res.text}`);
    }
    assertProblem(await putSet(s.plan, roleOf('viewer', s.A), [], '*'), 403, { type: 'forbidden', detail: /editor/ });
    // Readers that are not above the issuing unit: a subunit, a recipient, a recipient's subunit.
    for (const unit of [s.A1, s.B, s.B1]) {
      const p = assertProblem(await putSet(s.plan, roleOf('admin', unit), [], '*'), 403, { type: 'forbidden' });
      assert.ok(p.detail.includes(s.A), p.detail);
    }
    assert.equal((await getSet(s.plan, s.editor)).body.targets.length, 1);
  });

  test('targets are not frozen: an issued plan takes new targets', async () => {
    const t = await makeTree();
    const plan = await makePlan({ unit: t.B, recipients: [t.B1], status: 'issued' });
    const res = await putSet(plan, roleOf('editor', t.B), [{ indicator: 'GEN-0504', unit: t.B1, target: 80 }], '*');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.targets[0].year, 2024);
  });
});

// ---- validation -----------------------------------------------------------

describe('validating targets', () => {
  let s;
  let etag;
  const good = () => ({ indicator: 'GEN-0401', unit: s.A, target: 5 });

  before(async () => {
    s = await setup();
    const res = await putSet(s.plan, s.editor, [good()], '*');
    assert.equal(res.status, 200, res.text);
    etag = res.headers.get('etag');
  });

  // Each bad set answers 422 naming the field, and the set is unchanged.
  async function refused(targets, fields, detail) {
    const res = await putSet(s.plan, s.editor, targets, etag);
    const p = assertProblem(res, 422, { fields, detail });
    const now = await getSet(s.plan, s.editor);
    assert.equal(now.headers.get('etag'), etag, 'nothing was written');
    return p;
  }

  test('a percent above 100: 422 at /targets/N/target', async () => {
    await refused([{ indicator: 'GEN-0301', unit: s.A, target: 101 }], ['/targets/0/target'], /percent/);
    await refused([good(), { indicator: 'GEN-0301', unit: s.A, target: 50, baseline: 100.5 }], ['/targets/1/baseline'], /percent/);
    await refused([good(), { indicator: 'GEN-0305', unit: s.A2, target: 100.01 }], ['/targets/1/target']);
  });

  test('a count that is not a whole number, a negative value: 422', async () => {
    await refused([{ indicator: 'GEN-0401', unit: s.A, target: 1.5 }], ['/targets/0/target'], /whole number/);
    await refused([{ indicator: 'GEN-0401', unit: s.A, target: 3, baseline: 2.25 }], ['/targets/0/baseline']);
    await refused([{ indicator: 'GEN-0401', unit: s.A, target: -1 }], ['/targets/0/target']);
    await refused([{ indicator: 'GEN-0401', unit: s.A, target: 1, baseline: -3 }], ['/targets/0/baseline']);
  });

  test('sex: total unless the indicator is disaggregated by sex; one of female, male, total', async () => {
    await refused([{ indicator: 'GEN-0401', unit: s.A, sex: 'female', target: 3 }], ['/targets/0/sex'], /not disaggregated/);
    await refused([{ indicator: 'GEN-0402', unit: s.A, sex: 'women', target: 3 }], ['/targets/0/sex']);
  });

  test('an unknown indicator, or one taken out of use: 422 at /targets/N/indicator', async () => {
    const p = await refused([good(), { indicator: 'GEN-9999', unit: s.A, target: 1 }], ['/targets/1/indicator']);
    assert.match(p.detail, /GEN-9999/);
    await refused([{ indicator: 'gen-0401', unit: s.A, target: 1 }], ['/targets/0/indicator']);
    // An inactive indicator takes no new targets (an admin of a root retires one).
    const r = await makeTree();
    const code = `${r.prefix}-OLD`;
    const made = await api('POST', '/indicators', { token: r.admin, body: { code, name: 'Chỉ tiêu cũ', measure: 'count', aggregation: 'sum' } });
    assert.equal(made.status, 201, made.text);
    const off = await api('PATCH', `/indicators/${code}`, { token: r.admin, headers: { 'If-Match': '"1"' }, body: { active: false } });
    assert.equal(off.status, 200, off.text);
    await refused([{ indicator: code, unit: s.A, target: 1 }], ['/targets/0/indicator'], /no longer in use/);
  });

  test('a unit out of the plan\'s reach, or that does not exist: the same 422 at /targets/N/unit', async () => {
    // P-B-1 is under a recipient, not a recipient; the root is above the issuer.
    const a = await refused([good(), { indicator: 'GEN-0401', unit: s.B1, target: 1 }], ['/targets/1/unit']);
    await refused([{ indicator: 'GEN-0401', unit: s.root, target: 1 }], ['/targets/0/unit']);
    const b = await refused([good(), { indicator: 'GEN-0401', unit: `${s.prefix}-NOPE`, target: 1 }], ['/targets/1/unit']);
    assert.equal(a.errors[0].message.replace(s.B1, 'X'), b.errors[0].message.replace(`${s.prefix}-NOPE`, 'X'));
    // The recipient itself is within reach.
    const ok = await putSet(s.plan, s.editor, [good(), { indicator: 'GEN-0401', unit: s.B, target: 2 }], etag);
    assert.equal(ok.status, 200, ok.text);
    etag = ok.headers.get('etag');
  });

  test('the same indicator, unit and sex twice: 422 naming the second', async () => {
    const p = await refused([good(), { indicator: 'GEN-0402', unit: s.A, sex: 'male', target: 1 }, { ...good(), target: 7 }], ['/targets/2']);
    assert.match(p.errors[0].message, /\/targets\/0/);
    await refused([{ indicator: 'GEN-0401', unit: s.A, sex: 'total', target: 1 }, { indicator: 'GEN-0401', unit: s.A, target: 2 }], ['/targets/1']);
  });

  test('the shape: unknown fields, wrong types, missing fields, a year out of range', async () => {
    await refused([{ ...good(), colour: 'red' }], ['/targets/0/colour']);
    await refused([{ indicator: 'GEN-0401', unit: s.A }], ['/targets/0/target']);
    await refused([{ unit: s.A, target: 1 }, { indicator: 'GEN-0401', target: 1 }], ['/targets/0/indicator', '/targets/1/unit']);
    await refused([{ ...good(), target: '5' }, { ...good(), year: 1999 }, { ...good(), year: 2024.5 }], ['/targets/0/target', '/targets/1/year', '/targets/2/year']);
    await refused([{ ...good(), plan: s.plan }], ['/targets/0/plan']);
    await refused(['GEN-0401'], ['/targets/0']);
    const res = await api('PUT', `/plans/${s.plan}/targets`, { token: s.editor, headers: { 'If-Match': etag }, body: { items: [] } });
    assertProblem(res, 422, { fields: ['/targets', '/items'] });
    assertProblem(await api('PUT', `/plans/${s.plan}/targets`, { token: s.editor, headers: { 'If-Match': etag }, body: { targets: {} } }), 422, { fields: ['/targets'] });
  });
});
