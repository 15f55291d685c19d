// changes.test.mjs: the changes feed (GET /changes) as portals use it.
//   * Under concurrent writers (single writes, bulk batches of many rows,
//     deletions), a client polling the feed never sees a revision appear
//     below one it has already read: every revision it reads is above the
//     last one, and afterwards a full read of the same range holds exactly
//     the revisions it saw (no gap, no reordering), deletions with data null.
//   * A consumer that stops and resumes from its last revision, replaying
//     the feed into a map keyed by resource and id, ends with the data the
//     server answers to GETs.
//   * types= and under= filters; a viewer sees only what it may read.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { execFile } from 'node:child_process';

import { api, assertProblem, createUnit, makeTree, pgTarget, sql, token } from './lib.mjs';
import { makePlan } from './reports_lib.mjs';

// Run a psql script as bdg (DDL, or a transaction of several statements);
// resolves with what it printed.
function psql(script) {
  const { host, port } = pgTarget();
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', 'bdg', '-d', 'bdg'];
  return new Promise((ok, fail) => {
    const child = execFile('psql', args, { timeout: 20000 }, (err, stdout, stderr) =>
      err ? fail(new Error(`psql: ${stderr || err.message}`)) : ok(stdout));
    child.stdin.end(script);
  });
}

const viewerOf = (code) => token({ sub: `viewer-${code}`, unit: code, role: 'viewer' });

// The last revision the token can see now.
async function head(tok) {
  let since = 0;
  for (;;) {
    const res = await api('GET', `/changes?since=${since}&limit=1000`, { token: tok });
    assert.equal(res.status, 200, res.text);
    if (!res.body.items.length) return since;
    since = Number(res.body.next);
  }
}

// Every change after `since` the token sees, page by page (limit per page).
async function feed(tok, since, { limit = 1000, query = '' } = {}) {
  const items = [];
  let last = since;
  for (;;) {
    const res = await api('GET', `/changes?since=${last}&limit=${limit}${query}`, { token: tok });
    assert.equal(res.status, 200, res.text);
    for (const it of res.body.items) {
      assert.ok(it.revision > last, `revision ${it.revision} after ${last}`);
      last = it.revision;
      items.push(it);
    }
    assert.equal(res.body.next, String(last));
    if (!res.body.more) return { items, last };
  }
}

const mine = (p) => (it) => it.key === p || it.key.startsWith(`${p}-`) || it.key.startsWith(`${p} `) ||
  it.key.includes(` ${p}-`) || it.key.includes(` ${p} `);

describe('the feed under concurrent writers', () => {
  test('a poller never sees a revision below one it has read; afterwards nothing is missing', async () => {
    const t = await makeTree();
    const admin = t.admin;
    const start = await head(admin);
    let writing = true;
    const seen = [];
    let last = start;
    let polls = 0;

    // The poller: small pages, as fast as it can, while the writers write.
    const poller = (async () => {
      for (;;) {
        const done = !writing;
        const res = await api('GET', `/changes?since=${last}&limit=17`, { token: admin });
        assert.equal(res.status, 200, res.text);
        polls++;
        for (const it of res.body.items) {
          assert.ok(it.revision > last,
            `revision ${it.revision} appeared after the poller had read ${last} (a change became visible out of order)`);
          last = it.revision;
          seen.push(it);
        }
        if (done && !res.body.items.length) return;
      }
    })();

    // Writers: units created, renamed and deleted one by one by four
    // clients at once, and bulk batches of 25 units (one transaction, many
    // revisions) by a fifth.
    const single = async (w) => {
      for (let i = 0; i < 12; i++) {
        const code = `${t.B}-W${w}X${i}`;
        const c = await api('POST', '/units', { token: admin, body: { code, name: `Xã ${w}.${i}`, kind: 'commune', parent: t.B } });
        assert.equal(c.status, 201, c.text);
        const u = await api('PUT', `/units/${code}`, {
          token: admin, headers: { 'If-Match': '"1"' },
          body: { code, name: `Phường ${w}.${i} (đổi tên)`, kind: 'commune', parent: t.B },
        });
        assert.equal(u.status, 200, u.text);
        if (i % 3 === 0) {
          const d = await api('DELETE', `/units/${code}`, { token: admin, headers: { 'If-Match': '"2"' } });
          assert.equal(d.status, 204, d.text);
        }
      }
    };
    const bulk = async () => {
      for (let i = 0; i < 6; i++) {
        const units = [];
        for (let k = 0; k < 25; k++) units.push({ code: `${t.A}-BK${i}-${k}`, name: `Khoa ${i}.${k}`, kind: 'division', parent: t.A });
        const res = await api('POST', '/bulk', { token: admin, body: { units } });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.units.created, 25);
      }
    };
    try {
      await Promise.all([single(1), single(2), single(3), single(4), bulk()]);
    } finally {
      writing = false;
    }
    await poller;

    const full = await feed(admin, start, { limit: 1000 });
    const p = mine(t.prefix);
    const a = seen.filter(p).map((it) => it.revision);
    const b = full.items.filter(p).map((it) => it.revision);
    assert.ok(b.length >= 4 * 12 * 2 + 16 + 150, `expected every write in the feed, got ${b.length}`);
    assert.deepEqual(a, b, 'the poller saw exactly the revisions of a later full read, in the same order');
    assert.ok(polls > 5, `the poller polled while the writers wrote (${polls} polls)`);
    const deletes = full.items.filter((it) => it.op === 'delete' && it.resource === 'unit' && p(it));
    assert.equal(deletes.length, 16);
    for (const d of deletes) {
      assert.equal(d.data, null, 'a deletion carries no data');
      assert.ok(Number.isInteger(d.id));
    }
    // Within each unit, the feed tells its story in order.
    const byKey = new Map();
    for (const it of full.items.filter(p)) byKey.set(it.key, [...(byKey.get(it.key) || []), it.op]);
    assert.deepEqual(byKey.get(`${t.B}-W1X0`), ['create', 'update', 'delete']);
    assert.deepEqual(byKey.get(`${t.B}-W1X1`), ['create', 'update']);
  });

  // The race the design must win: a transaction has its revisions and is
  // still committing while others commit. Here the commit is made slow on
  // purpose, after the numbering, inside the locked section (a deferred
  // test trigger named to fire after bdg.audit_number sleeps for one
  // actor's rows). Numbered without the lock, or with a lock released
  // before the commit is visible, the fast writers' higher revisions would
  // be read while the slow one's lower revision is not yet visible, and it
  // would appear below what the poller has read.
  test('a commit made slow after its revisions are taken delays the commits numbered after it', async () => {
    const t = await makeTree();
    const admin = t.admin;
    const slow = token({ sub: 'slow-committer', unit: t.root, role: 'admin' });
    await psql(`CREATE OR REPLACE FUNCTION public.bdg_test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.actor_sub = 'slow-committer' THEN PERFORM pg_sleep(0.3); END IF; RETURN NULL; END $$;
      DROP TRIGGER IF EXISTS zz_test_slow_commit ON bdg.audit;
      CREATE CONSTRAINT TRIGGER zz_test_slow_commit AFTER INSERT ON bdg.audit
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.bdg_test_slow_commit();`);
    const start = await head(admin);
    let writing = true;
    let last = start;
    const seen = [];
    const poller = (async () => {
      for (;;) {
        const done = !writing;
        const res = await api('GET', `/changes?since=${last}&limit=5`, { token: admin });
        assert.equal(res.status, 200, res.text);
        for (const it of res.body.items) {
          assert.ok(it.revision > last,
            `revision ${it.revision} appeared after the poller had read ${last} (a change became visible out of order)`);
          last = it.revision;
          seen.push(it);
        }
        if (done && !res.body.items.length) return;
      }
    })();
    const slowDone = [];
    const fastDone = [];
    const write = async (tok, code, log) => {
      const from = process.hrtime.bigint();
      const c = await api('POST', '/units', { token: tok, body: { code, name: `Xã ${code}`, kind: 'commune', parent: t.B } });
      assert.equal(c.status, 201, c.text);
      log.push({ code, from, at: process.hrtime.bigint() });
    };
    try {
      await Promise.all([
        (async () => { for (let i = 0; i < 5; i++) await write(slow, `${t.B}-SLOW${i}`, slowDone); })(),
        ...[1, 2, 3].map((w) => (async () => {
          for (let i = 0; i < 15; i++) await write(admin, `${t.B}-F${w}N${i}`, fastDone);
        })()),
      ]);
    } finally {
      writing = false;
      await psql('DROP TRIGGER IF EXISTS zz_test_slow_commit ON bdg.audit; DROP FUNCTION IF EXISTS public.bdg_test_slow_commit()');
    }
    await poller;
    const p = mine(t.prefix);
    const full = (await feed(admin, start)).items.filter(p);
    assert.equal(full.length, 5 + 45);
    assert.deepEqual(seen.filter(p).map((it) => it.revision), full.map((it) => it.revision),
      'the poller saw exactly the revisions of a later full read, in the same order');
    // Revisions follow the order in which the commits became visible: a
    // write answered before another one was sent has the lower revision.
    const rev = new Map(full.map((it) => [it.key, it.revision]));
    const all = [...slowDone, ...fastDone];
    for (const a of all) {
      for (const b of all) {
        if (a.at < b.from) assert.ok(rev.get(a.code) < rev.get(b.code), `${a.code} answered before ${b.code} was sent`);
      }
    }
    // The slow commits really overlapped the fast writers.
    const firstSlow = slowDone[0].at;
    const lastSlow = slowDone[slowDone.length - 1].at;
    assert.ok(fastDone.some((f) => f.at > firstSlow && f.at < lastSlow), 'fast writes were answered between slow ones');
  });

  test('revisions are numbered at commit under the advisory lock, and only there', async () => {
    const [fn] = await sql("SELECT pg_get_functiondef('bdg.audit_number()'::regprocedure) AS def");
    assert.match(fn.def, /pg_advisory_xact_lock\(7310001\)/);
    assert.match(fn.def, /nextval\('bdg\.revision_seq'\)/);
    // The trigger runs at COMMIT: a deferred constraint trigger on bdg.audit.
    const [tg] = await sql(`SELECT t.tgdeferrable AS deferrable, t.tginitdeferred AS deferred, t.tgconstraint <> 0 AS constraint
      FROM pg_trigger t WHERE t.tgrelid = 'bdg.audit'::regclass AND t.tgname = 'audit_number'`);
    assert.deepEqual(tg, { deferrable: true, deferred: true, constraint: true });
    // No other function takes a final revision.
    const others = await sql(`SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'bdg' AND p.proname <> 'audit_number' AND p.prosrc LIKE '%revision_seq%'`);
    assert.deepEqual(others, []);
    // Inside the transaction the revision is provisional (above every final
    // one, in the order written); committed, the transaction's rows hold one
    // contiguous block of final revisions, in the same order.
    const t = await makeTree();
    const out = await psql(`BEGIN;
      SELECT set_config('app.sub', 'numbering-test', true);
      INSERT INTO bdg.unit (code, name, kind, parent_id) SELECT '${t.B}-N' || i, 'Xã ' || i, 'commune', u.id
        FROM bdg.unit u, generate_series(1, 3) i WHERE u.code = '${t.B}' ORDER BY i;
      SELECT string_agg((revision > 4611686018427387904)::text || ':' || key, ',' ORDER BY revision)
        FROM bdg.audit WHERE key LIKE '${t.B}-N%';
      COMMIT;`);
    assert.match(out, new RegExp(`true:${t.B}-N1,true:${t.B}-N2,true:${t.B}-N3`));
    const rows = await sql("SELECT revision, key FROM bdg.audit WHERE key LIKE :'p' ORDER BY revision", { p: `${t.B}-N%` });
    assert.deepEqual(rows.map((r) => r.key), [`${t.B}-N1`, `${t.B}-N2`, `${t.B}-N3`]);
    assert.ok(rows[0].revision < 4611686018427387904 && rows[2].revision === rows[0].revision + 2,
      `one contiguous block of final revisions: ${JSON.stringify(rows)}`);
  });
});

describe('a consumer replaying the feed', () => {
  test('resuming from its last revision, it ends with the data the server answers', async () => {
    // The consumer starts from before the tree existed.
    const [{ rev }] = await sql('SELECT coalesce(max(revision), 0) AS rev FROM bdg.audit');
    const start = Number(rev);
    const t = await makeTree();
    const admin = t.admin;
    const editor = token({ sub: 'ed', unit: t.A, role: 'editor' });

    // A little of everything: units, a plan with recipients and
    // activities, targets, changes and deletions.
    await createUnit(admin, { code: `${t.A}-3`, name: 'Khoa Sản', kind: 'division', parent: t.A });
    const put = await api('PUT', `/units/${t.A1}`, { token: admin, headers: { 'If-Match': '"1"' },
      body: { code: t.A1, name: 'Trung tâm Y tế thị xã Hương Trà', kind: 'public_service_unit', parent: t.A } });
    assert.equal(put.status, 200, put.text);
    const plan = await api('POST', '/plans', { token: editor, body: {
      unit: t.A, number: '12/KH-SYT', year: 2024, title: 'Kế hoạch bình đẳng giới năm 2024',
      recipients: [t.A1, t.A2], reporting: [{ period: '2024', due_on: '2024-11-25' }],
    } });
    assert.equal(plan.status, 201, plan.text);
    const act = await api('POST', `/plans/${plan.body.id}/activities`, { token: editor, body: {
      section: 'II.1', title: 'Truyền thông về bình đẳng giới', category: 'communication', coordinating_units: [t.A2],
    } });
    assert.equal(act.status, 201, act.text);

    // The consumer reads the first part, then stops.
    const state = new Map();
    const apply = (items) => {
      for (const it of items) {
        if (it.op === 'delete') state.delete(`${it.resource}:${it.id}`);
        else state.set(`${it.resource}:${it.id}`, it.data);
      }
    };
    const first = await feed(admin, start, { limit: 3 });
    apply(first.items);

    // More writes while it is away.
    const act2 = await api('POST', `/plans/${plan.body.id}/activities`, { token: editor, body: {
      section: 'II.2', title: 'Tập huấn', category: 'capacity_building' } });
    assert.equal(act2.status, 201, act2.text);
    const upd = await api('PUT', `/activities/${act.body.id}`, { token: editor, headers: { 'If-Match': '"1"' }, body: {
      section: 'II.1', title: 'Truyền thông về bình đẳng giới (sửa)', category: 'communication', coordinating_units: [t.A1, t.A2] } });
    assert.equal(upd.status, 200, upd.text);
    const tg = await api('PUT', `/plans/${plan.body.id}/targets`, { token: editor, headers: { 'If-Match': '*' }, body: {
      targets: [{ indicator: 'GEN-0402', unit: t.A1, sex: 'female', target: 120 }] } });
    assert.equal(tg.status, 200, tg.text);
    const bulk = await api('POST', '/bulk', { token: admin, body: { units: [
      { code: `${t.B}-2`, name: 'UBND xã Hương Vân', kind: 'commune', parent: t.B },
      { code: t.B1, name: 'UBND phường Tứ Hạ (mới)', kind: 'commune', parent: t.B },
    ] } });
    assert.equal(bulk.status, 200, bulk.text);
    const del = await api('DELETE', `/units/${t.A}-3`, { token: admin, headers: { 'If-Match': '"1"' } });
    assert.equal(del.status, 204, del.text);

    // It resumes from its last revision.
    const rest = await feed(admin, first.last, { limit: 4 });
    apply(rest.items);

    // Units: exactly the server's subtree, each as GET answers it.
    const units = [...state.entries()].filter(([k]) => k.startsWith('unit:')).map(([, v]) => v);
    const list = await api('GET', `/units?under=${t.root}&limit=500`, { token: admin });
    assert.deepEqual(units.map((u) => u.code).sort(), list.body.items.map((u) => u.code).sort());
    for (const u of units) {
      const got = await api('GET', `/units/${u.code}`, { token: admin });
      assert.deepEqual(u, got.body);
    }
    assert.ok(!units.some((u) => u.code === `${t.A}-3`), 'the deleted unit is gone');
    // The plan and its activities, derived activity_count included (an
    // activity added or removed writes a row of its plan).
    const gotPlan = (await api('GET', `/plans/${plan.body.id}`, { token: admin })).body;
    assert.equal(gotPlan.activity_count, 2);
    assert.deepEqual(state.get(`plan:${plan.body.id}`), gotPlan);
    for (const a of [act.body, act2.body]) {
      const got = await api('GET', `/activities/${a.id}`, { token: admin });
      assert.deepEqual(state.get(`activity:${a.id}`), got.body);
    }
    // Targets: the plan's set.
    const set = (await api('GET', `/plans/${plan.body.id}/targets`, { token: admin })).body.targets;
    const fromFeed = [...state.entries()].filter(([k]) => k.startsWith('target:')).map(([, v]) => v)
      .filter((x) => x.plan === plan.body.id).map(({ plan: _p, ...rest2 }) => rest2);
    assert.deepEqual(fromFeed, set);
  });
});

describe('filters and reach', () => {
  test('types= and under= select; a viewer sees only its subtree and the plans that reach it', async () => {
    const t = await makeTree();
    const admin = t.admin;
    const start = await head(admin);
    await createUnit(admin, { code: `${t.A}-9`, name: 'Khoa Nội', kind: 'division', parent: t.A });
    await createUnit(admin, { code: `${t.B}-9`, name: 'UBND xã Bình Điền', kind: 'commune', parent: t.B });
    const plan = await api('POST', '/plans', { token: admin, body: {
      unit: t.root, number: '25/KH-UBND', year: 2023, title: 'Kế hoạch thực hiện bình đẳng giới năm 2023' } });
    assert.equal(plan.status, 201, plan.text);

    const all = (await feed(admin, start)).items.filter(mine(t.prefix));
    assert.deepEqual(all.map((i) => i.resource).sort(), ['plan', 'unit', 'unit']);

    const units = (await feed(admin, start, { query: '&types=unit' })).items;
    assert.ok(units.length >= 2 && units.every((i) => i.resource === 'unit'));
    const plans = (await feed(admin, start, { query: '&types=plan,activity' })).items;
    assert.ok(plans.length >= 1 && plans.every((i) => ['plan', 'activity'].includes(i.resource)));

    const underB = (await feed(admin, start, { query: `&under=${t.B}` })).items;
    assert.deepEqual(underB.map((i) => i.key), [`${t.B}-9`]);

    // A viewer of A: its own subtree and the plan issued above it; not B.
    const v = (await feed(viewerOf(t.A), start)).items.filter(mine(t.prefix));
    assert.deepEqual(v.map((i) => i.key).sort(), [`${t.A}-9`, `${t.root} 25/KH-UBND 2023`].sort());
    // A viewer of B1 sees nothing of A, and under= outside its reach is empty.
    const v2 = (await feed(viewerOf(t.B1), start, { query: `&under=${t.A}` })).items;
    assert.deepEqual(v2.filter(mine(t.prefix)).filter((i) => i.resource === 'unit'), []);

    assertProblem(await api('GET', '/changes?types=units', { token: admin }), 400, { fields: ['types'] });
    assertProblem(await api('GET', '/changes?since=-1', { token: admin }), 400, { fields: ['since'] });
    assertProblem(await api('GET', '/changes?limit=1001', { token: admin }), 400, { fields: ['limit'] });
  });
});

// ---- readers across branches, derived fields, exports ------------------------

// Every item of a JSON list the token reads, following `next`.
async function listOf(path, tok) {
  const items = [];
  let after = null;
  for (;;) {
    const res = await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`, { token: tok });
    assert.equal(res.status, 200, res.text);
    items.push(...res.body.items);
    if (!res.body.next) return items;
    after = res.body.next;
  }
}

// A sync consumer: the state it holds after replaying the feed.
function replay(state, items) {
  for (const it of items) {
    if (it.op === 'delete') state.delete(`${it.resource}:${it.id}`);
    else state.set(`${it.resource}:${it.id}`, it.data);
  }
  return state;
}

// What GET answers the token for the plans and activities of the tree with
// prefix p, keyed as the consumer keys them.
async function served(tok, p) {
  const out = new Map();
  for (const pl of await listOf(`/plans?under=${p}`, tok)) out.set(`plan:${pl.id}`, pl);
  for (const a of await listOf('/activities', tok)) {
    const got = await api('GET', `/activities/${a.id}`, { token: tok });
    assert.equal(got.status, 200, got.text);
    if (out.has(`plan:${got.body.plan}`) || (await api('GET', `/plans/${got.body.plan}`, { token: admin0 })).body?.unit?.startsWith(p)) {
      out.set(`activity:${a.id}`, got.body);
    }
  }
  return out;
}
let admin0;

// The consumer's plans and activities of the tree (units, reports and
// targets are compared elsewhere).
const plansAndActivities = (state, ids) => new Map([...state].filter(([k]) => ids.has(k)));

describe('the feed reaches every reader, and only them', () => {
  test('plans addressed across branches and activities coordinated from another branch: a viewer replaying its feed ends with what GET answers', async () => {
    const t = await makeTree();
    admin0 = t.admin;
    const start = await head(t.admin);
    const ed = token({ sub: 'ed-A', unit: t.A, role: 'editor' });
    // A plan of A addressed to B1 (another branch), an activity of it
    // coordinated by B; a second plan of A addressed to nobody, with an
    // activity led by A2 and coordinated by B1.
    const plan = await api('POST', '/plans', { token: ed, body: { unit: t.A, year: 2024, title: 'Kế hoạch bình đẳng giới năm 2024', recipients: [t.B1] } });
    assert.equal(plan.status, 201, plan.text);
    const act = await api('POST', `/plans/${plan.body.id}/activities`, { token: ed, body: {
      section: 'II.1', title: 'Truyền thông về bình đẳng giới', category: 'communication', coordinating_units: [t.B] } });
    assert.equal(act.status, 201, act.text);
    const plan2 = await api('POST', '/plans', { token: ed, body: { unit: t.A, year: 2024, title: 'Kế hoạch nội bộ' } });
    assert.equal(plan2.status, 201, plan2.text);
    const act2 = await api('POST', `/plans/${plan2.body.id}/activities`, { token: ed, body: {
      section: 'II.1', title: 'Tập huấn', lead_unit: t.A2, coordinating_units: [t.B1] } });
    assert.equal(act2.status, 201, act2.text);

    const viewers = [t.B1, t.B, t.A2, t.A1, t.root].map((u) => ({ unit: u, tok: viewerOf(u) }));
    const ids = new Set([`plan:${plan.body.id}`, `plan:${plan2.body.id}`, `activity:${act.body.id}`, `activity:${act2.body.id}`]);
    const check = async (v, state, when) => {
      const want = plansAndActivities(await served(v.tok, t.prefix), ids);
      assert.deepEqual(plansAndActivities(state, ids), want, `${v.unit} (${when}): the feed's documents are GET's`);
      return want;
    };
    for (const v of viewers) {
      const f = await feed(v.tok, start);
      v.state = replay(new Map(), f.items);
      v.last = f.last;
      await check(v, v.state, 'first read');
    }
    // What each reads, by the rules (DESIGN.md): B1 the plan addressed to it
    // and its activity, and the activity it coordinates; B (above B1) the
    // activities coordinated in its subtree, not the plans; A2 both plans
    // of its parent A and their activities.
    assert.deepEqual([...plansAndActivities(viewers[0].state, ids).keys()].sort(),
      [`activity:${act.body.id}`, `activity:${act2.body.id}`, `plan:${plan.body.id}`].sort());
    assert.deepEqual([...plansAndActivities(viewers[1].state, ids).keys()].sort(),
      [`activity:${act.body.id}`, `activity:${act2.body.id}`].sort());
    assert.equal(plansAndActivities(viewers[2].state, ids).size, 4);

    // While they are away: B becomes a recipient of the first plan (its
    // activity reaches B's subtree through the plan now), an activity is
    // added to it (activity_count), the second plan's activity is deleted.
    const etag = (await api('GET', `/plans/${plan.body.id}`, { token: ed })).headers.get('etag');
    const patch = await api('PATCH', `/plans/${plan.body.id}`, { token: ed, headers: { 'If-Match': etag }, body: { recipients: [t.B1, t.B] } });
    assert.equal(patch.status, 200, patch.text);
    const act3 = await api('POST', `/plans/${plan.body.id}/activities`, { token: ed, body: { section: 'II.2', title: 'Tháng hành động', category: 'action_month' } });
    assert.equal(act3.status, 201, act3.text);
    ids.add(`activity:${act3.body.id}`);
    const del = await api('DELETE', `/activities/${act2.body.id}`, { token: ed, headers: { 'If-Match': '"1"' } });
    assert.equal(del.status, 204, del.text);

    // The plan's version is its own: adding an activity changed its
    // document (activity_count) and wrote a row, not a version.
    const got = await api('GET', `/plans/${plan.body.id}`, { token: ed });
    assert.equal(got.body.activity_count, 2);
    assert.equal(got.headers.get('etag'), `"${patch.body.version}"`);
    const rows = await sql("SELECT op, (after->>'activity_count')::int AS n, (after->>'version')::int AS v FROM bdg.audit WHERE resource = 'plan' AND resource_id = :'id' ORDER BY revision", { id: plan.body.id });
    assert.deepEqual(rows.map((r) => r.op), ['create', 'update', 'update', 'update']);
    assert.deepEqual(rows.map((r) => r.n), [0, 1, 1, 2]);
    assert.deepEqual(rows.map((r) => r.v), [1, 1, 2, 2]);

    for (const v of viewers) {
      const f = await feed(v.tok, v.last);
      replay(v.state, f.items);
      await check(v, v.state, 'resumed');
    }
    assert.equal(viewers[1].state.get(`plan:${plan.body.id}`)?.activity_count, 2, 'B reads the plan addressed to it now');
    assert.ok(viewers[1].state.has(`activity:${act3.body.id}`));
    assert.ok(!viewers[0].state.has(`activity:${act2.body.id}`), 'the deletion reached the coordinator');
  });

  test('a unit no longer addressed stops reading the plan\'s history; nothing in a feed is unreadable', async () => {
    const t = await makeTree();
    const start = await head(t.admin);
    const ed = token({ sub: 'ed-A', unit: t.A, role: 'editor' });
    const plan = await api('POST', '/plans', { token: ed, body: { unit: t.A, year: 2024, title: 'Kế hoạch gửi nhầm', recipients: [t.B1] } });
    assert.equal(plan.status, 201, plan.text);
    const act = await api('POST', `/plans/${plan.body.id}/activities`, { token: ed, body: { section: 'II.1', title: 'Truyền thông' } });
    assert.equal(act.status, 201, act.text);
    const b1 = viewerOf(t.B1);
    const before = (await feed(b1, start)).items.map((i) => `${i.resource}:${i.id}`);
    assert.ok(before.includes(`plan:${plan.body.id}`) && before.includes(`activity:${act.body.id}`));

    const patch = await api('PATCH', `/plans/${plan.body.id}`, { token: ed, headers: { 'If-Match': '"1"' }, body: { recipients: [] } });
    assert.equal(patch.status, 200, patch.text);
    assert.equal((await api('GET', `/plans/${plan.body.id}`, { token: b1 })).status, 404);
    for (const path of ['/changes?since=', '/audit?after=']) {
      const res = await api('GET', `${path}${start}&limit=1000`, { token: b1 });
      assert.equal(res.status, 200, res.text);
      const mine = res.body.items.filter((i) => ['plan', 'activity'].includes(i.resource)).map((i) => `${i.resource}:${i.id}`);
      assert.deepEqual(mine, [], `${path}: the history of a plan B1 no longer reads`);
    }
    // The rows in the database: readers of every row of the plan lost B1.
    const rows = await sql("SELECT a.above::text[] AS above, a.below::text[] AS below FROM bdg.audit a WHERE a.resource = 'plan' AND a.resource_id = :'id' ORDER BY revision", { id: plan.body.id });
    const [{ path: b1path }] = await sql("SELECT path::text FROM bdg.unit WHERE code = :'c'", { c: t.B1 });
    assert.ok(rows.length >= 2);
    for (const r of rows) assert.ok(!r.below.includes(b1path) && !r.above.includes(b1path), JSON.stringify(r));
    // A still reads all of it.
    const a = (await feed(viewerOf(t.A), start)).items.filter((i) => i.resource === 'plan' && i.id === plan.body.id);
    assert.deepEqual(a.map((i) => i.op), ['create', 'update', 'update']);
  });
});

// ---- a unit that moves (017) --------------------------------------------------

// A commune X (with a ward Y) under A, with a plan it issues (addressed to
// Y) and its activity, a plan of a third district C addressed to X whose
// first activity X leads, and X's report on C's plan; then X moves under B.
async function movedCommune() {
  const t = await makeTree();
  const C = `${t.prefix}-C`;
  const X = `${t.prefix}-A-X`;
  const Y = `${t.prefix}-A-X-1`;
  await createUnit(t.admin, { code: C, name: 'UBND huyện Phong Điền', kind: 'district', parent: t.root });
  await createUnit(t.admin, { code: X, name: 'UBND xã Hương Toàn', kind: 'commune', parent: t.A });
  await createUnit(t.admin, { code: Y, name: 'Trạm y tế xã Hương Toàn', kind: 'other', parent: X });
  const start = await head(t.admin);
  const edX = token({ sub: 'ed-X', unit: X, role: 'editor' });
  const own = await api('POST', '/plans', { token: edX, body: { unit: X, year: 2024, title: 'Kế hoạch bình đẳng giới của xã', recipients: [Y] } });
  assert.equal(own.status, 201, own.text);
  const ownAct = await api('POST', `/plans/${own.body.id}/activities`, { token: edX, body: {
    section: 'II.1', title: 'Truyền thông tại thôn', category: 'communication', lead_unit: X } });
  assert.equal(ownAct.status, 201, ownAct.text);
  const addressed = await makePlan({ issuer: C, recipients: [X], status: 'draft' });
  const apC = token({ sub: 'ap-C', unit: C, role: 'approver' });
  const led = await api('PATCH', `/activities/${addressed.activities[0]}`, { token: apC, headers: { 'If-Match': '"1"' },
    body: { lead_unit: X, coordinating_units: [Y] } });
  assert.equal(led.status, 200, led.text);
  const etag = (await api('GET', `/plans/${addressed.id}`, { token: apC })).headers.get('etag');
  const issued = await api('POST', `/plans/${addressed.id}/issue`, { token: apC, headers: { 'If-Match': etag }, body: { issued_on: '2024-03-28' } });
  assert.equal(issued.status, 200, issued.text);
  const report = await api('POST', '/reports', { token: edX, body: { plan: addressed.id, unit: X, period: '2024-H1',
    results: 'Đã tổ chức 02 buổi truyền thông.' } });
  assert.equal(report.status, 201, report.text);
  const [{ path: oldPath }] = await sql("SELECT path::text FROM bdg.unit WHERE code = :'c'", { c: X });
  const beforeMove = await head(t.admin);
  // Viewers of B, A and X hold the feed up to here.
  const viewers = { A: viewerOf(t.A), B: viewerOf(t.B), X: viewerOf(X) };
  const held = {};
  for (const [k, tok] of Object.entries(viewers)) {
    const f = await feed(tok, start);
    held[k] = { state: replay(new Map(), f.items), last: f.last };
  }
  const unit = await api('GET', `/units/${X}`, { token: t.admin });
  const move = await api('PATCH', `/units/${X}`, { token: t.admin, headers: { 'If-Match': unit.headers.get('etag') }, body: { parent: t.B } });
  assert.equal(move.status, 200, move.text);
  assert.equal(move.body.parent, t.B);
  const ids = {
    unit: [unit.body.id, (await api('GET', `/units/${Y}`, { token: t.admin })).body.id],
    plan: [own.body.id, addressed.id],
    activity: [ownAct.body.id, ...addressed.activities],
    report: [report.body.id],
  };
  return { t, C, X, Y, start, beforeMove, oldPath, viewers, held, ids, led: addressed.activities[0], own, report: report.body,
    moveRequest: move.headers.get('x-request-id') };
}

// What GET answers the token for each resource of `ids`, keyed as replay()
// keys the feed (404s left out; anything else fails).
async function answered(tok, ids, codes) {
  const out = new Map();
  for (const [resource, list] of Object.entries(ids)) {
    for (const [i, id] of list.entries()) {
      const path = resource === 'unit' ? `/units/${codes[i]}` : `/${resource === 'activity' ? 'activities' : `${resource}s`}/${id}`;
      const res = await api('GET', path, { token: tok });
      assert.ok([200, 404].includes(res.status), `${path}: ${res.text}`);
      if (res.status === 200) out.set(`${resource}:${id}`, res.body);
    }
  }
  return out;
}

const only = (state, ids) => new Map([...state].filter(([k]) =>
  Object.entries(ids).some(([r, list]) => list.some((id) => k === `${r}:${id}`))));

describe('a unit that moves takes its feed along', () => {
  test('the new ancestor, replaying from the start or resuming, ends with what GET answers; so does the moved unit', async () => {
    const m = await movedCommune();
    for (const k of ['B', 'X']) {
      const want = await answered(m.viewers[k], m.ids, [m.X, m.Y]);
      const full = replay(new Map(), (await feed(m.viewers[k], m.start)).items);
      assert.deepEqual(only(full, m.ids), want, `${k} replaying from the start`);
      const resumed = replay(m.held[k].state, (await feed(m.viewers[k], m.held[k].last)).items);
      assert.deepEqual(only(resumed, m.ids), want, `${k} resuming after the move`);
    }
    // What B reads now: X and Y, X's plan and its activity, the activity X
    // leads in C's plan, X's report; not C's plan (addressed to X, below B).
    const b = await answered(m.viewers.B, m.ids, [m.X, m.Y]);
    assert.deepEqual([...b.keys()].sort(), [...m.ids.unit.map((i) => `unit:${i}`), `plan:${m.own.body.id}`,
      `activity:${m.ids.activity[0]}`, `activity:${m.led}`, `report:${m.report.id}`].sort());
    // X reads C's plan addressed to it and all its activities.
    const x = await answered(m.viewers.X, m.ids, [m.X, m.Y]);
    assert.equal(x.size, 2 + 2 + 4 + 1);
  });

  test('the old ancestor reads none of it any more, in the feed, the audit log or GET', async () => {
    const m = await movedCommune();
    const a = m.viewers.A;
    assert.equal((await answered(a, m.ids, [m.X, m.Y])).size, 0, 'GET answers 404 for all of it');
    const keys = new Set(Object.entries(m.ids).flatMap(([r, list]) => list.map((id) => `${r}:${id}`)));
    for (const path of ['/changes?since=', '/audit?after=']) {
      const rows = [];
      let after = m.start;
      for (;;) {
        const res = await api('GET', `${path}${after}&limit=1000`, { token: a });
        assert.equal(res.status, 200, res.text);
        rows.push(...res.body.items);
        if (!res.body.items.length || !res.body.next) break;
        after = res.body.next;
        if (res.body.items.length < 1000) break;
      }
      const seen = rows.map((i) => `${i.resource}:${i.id}`).filter((k) => keys.has(k));
      assert.deepEqual(seen, [], `${path}: A reads nothing of X's since the move`);
    }
    // under=B now selects X's rows, its history included.
    const under = (await feed(m.viewers.B, m.start, { query: `&under=${m.t.B}` })).items
      .filter((i) => i.resource === 'plan' && i.id === m.own.body.id);
    assert.deepEqual(under.map((i) => i.op), ['create', 'update', 'update']);
  });

  test('the database: rows rekeyed to the new paths, one refresh row per resource whose readers changed', async () => {
    const m = await movedCommune();
    const [{ path: newPath }] = await sql("SELECT path::text FROM bdg.unit WHERE code = :'c'", { c: m.X });
    assert.notEqual(newPath, m.oldPath);
    const stale = await sql(`SELECT revision, resource, above::text[] AS above, below::text[] AS below, scope::text FROM bdg.audit
      WHERE above <@ :'p'::ltree OR below <@ :'p'::ltree OR scope::text ~ ('(^|\\.)' || replace(:'p', '.', '\\.') || '(\\.|$)')`, { p: m.oldPath });
    assert.deepEqual(stale, [], 'no audit row names the old path');
    // After the move, in its transaction (its request id: other test files
    // may write at the same time): the units' rows and one 'update' row of
    // each plan, activity and report, with the document GET answers.
    assert.ok(m.moveRequest, 'the move answered with its X-Request-Id');
    const rows = await sql(`SELECT resource, resource_id AS id, op, after, above::text[] AS above, below::text[] AS below
      FROM bdg.audit WHERE revision > :'r'::bigint AND request_id = :'q' ORDER BY revision`, { r: m.beforeMove, q: m.moveRequest });
    const key = (r) => `${r.resource}:${r.id}`;
    const all = Object.entries(m.ids).flatMap(([r, list]) => list.map((id) => `${r}:${id}`)).sort();
    assert.deepEqual(rows.map(key).sort(), all);
    for (const r of rows) assert.equal(r.op, 'update');
    const admin = await answered(m.t.admin, m.ids, [m.X, m.Y]);
    for (const r of rows) assert.deepEqual(r.after, admin.get(key(r)), key(r));
    // The readers of X's own plan name X by its new path.
    const plan = rows.find((r) => key(r) === `plan:${m.own.body.id}`);
    assert.deepEqual(plan.above, [newPath]);
    assert.ok(plan.below.includes(newPath) && plan.below.every((p) => p.startsWith(`${newPath}`)), JSON.stringify(plan));
    // Every earlier row of X's plan reads the same (rekeyed, not emptied).
    const hist = await sql("SELECT above::text[] AS above FROM bdg.audit WHERE resource = 'plan' AND resource_id = :'id' ORDER BY revision", { id: m.own.body.id });
    for (const h of hist) assert.deepEqual(h.above, [newPath]);
  });
});

// The body's bytes as sent (fetch's text() drops a byte order mark).
async function rawBytes(path, tok, accept) {
  const res = await fetch(`${process.env.BDG_TEST_URL}/api/v1${path}`, { headers: { Authorization: `Bearer ${tok}`, Accept: accept } });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

describe('derived fields under concurrent writers', () => {
  test('activities added to one plan at once: the plan\'s last row in the feed counts them all', async () => {
    const t = await makeTree();
    const start = await head(t.admin);
    const ed = token({ sub: 'ed-A', unit: t.A, role: 'editor' });
    const plan = await api('POST', '/plans', { token: ed, body: { unit: t.A, year: 2024, title: 'Kế hoạch nhiều hoạt động' } });
    assert.equal(plan.status, 201, plan.text);
    const n = 12;
    const added = await Promise.all(Array.from({ length: n }, (_, i) => api('POST', `/plans/${plan.body.id}/activities`, {
      token: ed, body: { section: `II.${i + 1}`, title: `Hoạt động ${i + 1}` } })));
    for (const r of added) assert.equal(r.status, 201, r.text);
    const state = replay(new Map(), (await feed(t.admin, start, { query: '&types=plan' })).items);
    const got = await api('GET', `/plans/${plan.body.id}`, { token: ed });
    assert.equal(got.body.activity_count, n);
    assert.deepEqual(state.get(`plan:${plan.body.id}`), got.body);
    assert.equal(got.body.version, 1, 'the plan itself was not written');
  });
});

describe('exports of the feed and the audit log', () => {
  test('/changes and /audit as NDJSON and CSV: every row the filters select, page after page, as the JSON pages', async () => {
    const t = await makeTree({ B: 'UBND thị xã Hương Trà' });
    const start = await head(t.admin);
    // 620 units in one bulk: more than one export page (500).
    const units = [];
    for (let i = 0; i < 620; i++) units.push({ code: `${t.B}-X${i}`, name: `Xã Hương Vân số ${i}`, kind: 'commune', parent: t.B });
    const bulk = await api('POST', '/bulk', { token: t.admin, body: { units } });
    assert.equal(bulk.status, 200, bulk.text);
    await createUnit(t.admin, { code: `${t.A}-9`, name: 'Khoa Nội', kind: 'division', parent: t.A });

    const json = (await feed(t.admin, start, { query: `&under=${t.B}` })).items;
    assert.equal(json.length, 620);
    const nd = await api('GET', `/changes?since=${start}&under=${t.B}`, { token: t.admin, headers: { Accept: 'application/x-ndjson' } });
    assert.equal(nd.status, 200, nd.text);
    assert.match(nd.headers.get('content-type'), /^application\/x-ndjson/);
    assert.deepEqual(nd.text.split('\n').filter(Boolean).map((l) => JSON.parse(l)), json);

    const csv = await api('GET', `/changes?since=${start}&under=${t.B}&types=unit`, { token: t.admin, headers: { Accept: 'text/csv' } });
    assert.equal(csv.status, 200, csv.text);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    const bytes = await rawBytes(`/changes?since=${start}&under=${t.B}&types=unit`, t.admin, 'text/csv');
    assert.deepEqual([...bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF], 'a byte order mark for Excel');
    assert.equal(bytes.subarray(3).toString('utf8'), csv.text, 'UTF-8 after it');
    const rows = csv.text.split('\r\n').filter(Boolean);
    assert.equal(rows[0], 'revision,resource,id,key,op,at,data');
    assert.equal(rows.length, 621);
    assert.ok(rows[1].startsWith(`${json[0].revision},unit,${json[0].id},${t.B}-X0,create,`), rows[1]);
    assert.match(rows[1], /,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/, 'ISO times');
    assert.ok(rows[1].includes('""name"":""Xã Hương Vân số 0""'), 'the document, Vietnamese intact');

    // The audit log, by its filters; a viewer's export keeps its reach.
    const auditJson = [];
    for (let after = start; ;) {
      const res = await api('GET', `/audit?after=${after}&resource=unit&limit=1000`, { token: t.admin });
      assert.equal(res.status, 200, res.text);
      auditJson.push(...res.body.items);
      if (!res.body.more) break;
      after = res.body.next;
    }
    const ndAudit = await api('GET', `/audit?after=${start}&resource=unit`, { token: t.admin, headers: { Accept: 'application/x-ndjson' } });
    assert.equal(ndAudit.status, 200);
    assert.deepEqual(ndAudit.text.split('\n').filter(Boolean).map((l) => JSON.parse(l)), auditJson);
    assert.equal(auditJson.length, 621);
    const vA = viewerOf(t.A);
    const ndA = await api('GET', `/changes?since=${start}`, { token: vA, headers: { Accept: 'application/x-ndjson' } });
    assert.deepEqual(ndA.text.split('\n').filter(Boolean).map((l) => JSON.parse(l).key), [`${t.A}-9`]);

    // Nothing to export: an empty body (CSV: the byte order mark only);
    // a bad parameter is still a problem.
    const none = await api('GET', `/changes?since=${start}&under=${t.A2}`, { token: t.admin, headers: { Accept: 'text/csv' } });
    assert.equal(none.status, 200);
    assert.equal(none.text, '');
    assert.deepEqual([...await rawBytes(`/changes?since=${start}&under=${t.A2}`, t.admin, 'text/csv')], [0xEF, 0xBB, 0xBF]);
    assertProblem(await api('GET', '/changes?since=x', { token: t.admin, headers: { Accept: 'text/csv' } }), 400, { fields: ['since'] });
    assertProblem(await api('GET', '/audit?resource=units', { token: t.admin, headers: { Accept: 'application/x-ndjson' } }), 400, { fields: ['resource'] });
  });
});
