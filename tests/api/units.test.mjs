// units.test.mjs: the unit tree: create/read/replace/patch/delete, root
// creation, subtree isolation by role, If-Match/ETag, Idempotency-Key,
// validation with field pointers, lists (paging, filters), merge, and the
// audit row of every write.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  adminOf, api, assertProblem, auditOf, createUnit, listAll, makeTree, newPrefix, token,
} from './lib.mjs';


const viewerOf = (code) => token({ sub: `viewer-${code}`, unit: code, role: 'viewer' });
const editorOf = (code) => token({ sub: `editor-${code}`, unit: code, role: 'editor' });
const approverOf = (code) => token({ sub: `approver-${code}`, unit: code, role: 'approver' });

// The parts of a problem that must not tell "out of reach" from "does not exist".
const visible = (r) => ({ status: r.status, type: r.body?.type, title: r.body?.title, detail: r.body?.detail, errors: r.body?.errors });

describe('create and read', () => {
  test('POST /units: 201 with Location, ETag "1" and the stored unit; GET answers the same', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    await createUnit(admin, { code: p, name: 'UBND tỉnh Thừa Thiên Huế', kind: 'province' });
    const res = await api('POST', '/units', {
      token: admin,
      body: { code: `${p}-SYT`, name: 'Sở Y tế tỉnh Thừa Thiên Huế', kind: 'department', parent: p, valid_from: '2019-01-01' },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('location'), `/api/v1/units/${p}-SYT`);
    assert.equal(res.headers.get('etag'), '"1"');
    const u = res.body;
    assert.equal(u.code, `${p}-SYT`);
    assert.equal(u.name, 'Sở Y tế tỉnh Thừa Thiên Huế');
    assert.equal(u.kind, 'department');
    assert.equal(u.parent, p);
    assert.equal(u.valid_from, '2019-01-01');
    assert.equal(u.valid_to, null);
    assert.equal(u.successor, null);
    assert.equal(u.version, 1);
    assert.ok(Number.isInteger(u.id) && u.id > 0);
    assert.equal(u.created_at, u.updated_at);
    const got = await api('GET', res.headers.get('location'), { token: viewerOf(p) });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('etag'), '"1"');
    assert.deepEqual(got.body, u);
  });

  test('the read-only fields of a unit may be sent back and are ignored', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    const u = await createUnit(admin, { code: p, name: 'Tỉnh', kind: 'province', id: 999999, version: 77, created_at: 'x', updated_at: 'y' });
    assert.equal(u.version, 1);
    assert.notEqual(u.id, 999999);
    assert.notEqual(u.created_at, 'x');
  });

  test('409 for a code that exists, naming /code; nothing changes', async () => {
    const t = await makeTree();
    const res = await api('POST', '/units', { token: t.admin, body: { code: t.A, name: 'Khác', kind: 'other', parent: t.root } });
    assertProblem(res, 409, { type: 'conflict', fields: ['/code'] });
    const a = await api('GET', `/units/${t.A}`, { token: t.admin });
    assert.equal(a.body.name, 'Sở Y tế tỉnh Thừa Thiên Huế');
    assert.equal(a.body.kind, 'department');
  });
});

describe('root units', () => {
  test('an admin whose unit claim is the new code creates that root', async () => {
    const p = newPrefix();
    const u = await createUnit(adminOf(p), { code: p, name: 'UBND tỉnh Thừa Thiên Huế', kind: 'province' });
    assert.equal(u.parent, null);
  });

  test('an admin of another unit cannot create a root: 403', async () => {
    const t = await makeTree();
    const other = newPrefix();
    const res = await api('POST', '/units', { token: t.admin, body: { code: other, name: 'Tỉnh khác', kind: 'province' } });
    assertProblem(res, 403, { type: 'forbidden' });
    const check = await api('GET', `/units/${other}`, { token: adminOf(other) });
    assert.equal(check.status, 404, 'nothing was created');
  });

  test('an admin whose claim names a unit that does not exist cannot create another root: 403', async () => {
    const claim = newPrefix();
    const res = await api('POST', '/units', { token: adminOf(claim), body: { code: `${claim}X`, name: 'Tỉnh', kind: 'province' } });
    assertProblem(res, 403, { type: 'forbidden' });
  });

  test('viewer, editor and approver cannot create their own root: 403', async () => {
    const p = newPrefix();
    for (const tok of [viewerOf(p), editorOf(p), approverOf(p)]) {
      const res = await api('POST', '/units', { token: tok, body: { code: p, name: 'Tỉnh', kind: 'province' } });
      assertProblem(res, 403, { type: 'forbidden' });
    }
    const check = await api('GET', `/units/${p}`, { token: adminOf(p) });
    assert.equal(check.status, 404);
  });

  test('a unit with a parent cannot be made a root by PUT: 422 /parent', async () => {
    const t = await makeTree();
    const cur = await api('GET', `/units/${t.A}`, { token: t.admin });
    const res = await api('PUT', `/units/${t.A}`, {
      token: t.admin, headers: { 'If-Match': cur.headers.get('etag') }, body: { ...cur.body, parent: null },
    });
    assertProblem(res, 422, { fields: ['/parent'] });
  });
});

describe('subtree isolation', () => {
  test('a viewer of department A gets 404 for B\'s units, identical to a code that does not exist', async () => {
    const t = await makeTree();
    const v = viewerOf(t.A);
    const missing = await api('GET', `/units/${t.prefix}-NOPE`, { token: v });
    assertProblem(missing, 404, { type: 'not_found' });
    for (const code of [t.B1, t.B, t.root]) {
      const res = await api('GET', `/units/${code}`, { token: v });
      assertProblem(res, 404, { type: 'not_found' });
      assert.deepEqual(visible(res), visible(missing), `GET ${code}`);
      assert.equal(res.body.instance, `/api/v1/units/${code}`);
    }
    for (const sub of ['children', 'ancestors']) {
      const res = await api('GET', `/units/${t.B1}/${sub}`, { token: v });
      const none = await api('GET', `/units/${t.prefix}-NOPE/${sub}`, { token: v });
      assertProblem(res, 404);
      assert.deepEqual(visible(res), visible(none), sub);
    }
  });

  test('a viewer of A lists only A\'s subtree, whatever the filters', async () => {
    const t = await makeTree();
    const v = viewerOf(t.A);
    const all = await listAll(`/units?q=${t.prefix}`, v);
    assert.deepEqual(all.items.map((u) => u.code), [t.A, t.A1, t.A2]);
    for (const q of [`under=${t.B}`, `under=${t.root}`, `parent=${t.B}`, `under=${t.B}&q=huong`, `q=${t.B1}`, `kind=district`]) {
      const res = await api('GET', `/units?${q}`, { token: v });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.items.filter((u) => u.code.startsWith(t.prefix)), [], q);
    }
    // A's own parent is named in A's document, so parent=root finds A only.
    const kids = await listAll(`/units?parent=${t.root}`, v);
    assert.deepEqual(kids.items.map((u) => u.code), [t.A]);
    const anc = await api('GET', `/units/${t.A1}/ancestors`, { token: v });
    assert.deepEqual(anc.body.items.map((u) => u.code), [t.A], 'ancestors stop at the top of the reach');
  });

  test('an editor (and an approver) may read but not write units: 403', async () => {
    const t = await makeTree();
    for (const tok of [editorOf(t.A), approverOf(t.A)]) {
      const cur = await api('GET', `/units/${t.A1}`, { token: tok });
      assert.equal(cur.status, 200);
      const etag = cur.headers.get('etag');
      const tries = [
        await api('POST', '/units', { token: tok, body: { code: `${t.A}-X`, name: 'X', kind: 'other', parent: t.A } }),
        await api('PUT', `/units/${t.A1}`, { token: tok, headers: { 'If-Match': etag }, body: { ...cur.body, name: 'Đổi tên' } }),
        await api('PATCH', `/units/${t.A1}`, { token: tok, headers: { 'If-Match': etag }, body: { name: 'Đổi tên' } }),
        await api('DELETE', `/units/${t.A2}`, { token: tok, headers: { 'If-Match': '"1"' } }),
        await api('POST', `/units/${t.A2}/merge`, { token: tok, body: { into: t.A1, on: '2025-07-01' } }),
      ];
      for (const res of tries) assertProblem(res, 403, { type: 'forbidden' });
    }
    const after = await api('GET', `/units/${t.A1}`, { token: t.admin });
    assert.equal(after.body.version, 1);
    assert.equal((await api('GET', `/units/${t.A2}`, { token: t.admin })).status, 200);
  });

  test('an admin of A cannot create under B (422 /parent) nor touch B\'s units (404)', async () => {
    const t = await makeTree();
    const a = adminOf(t.A);
    const create = await api('POST', '/units', { token: a, body: { code: `${t.B}-9`, name: 'X', kind: 'commune', parent: t.B } });
    assertProblem(create, 422, { fields: ['/parent'] });
    const createRoot = await api('POST', '/units', { token: a, body: { code: `${t.B}-9`, name: 'X', kind: 'commune', parent: t.root } });
    assertProblem(createRoot, 422, { fields: ['/parent'] });
    const cur = await api('GET', `/units/${t.B1}`, { token: t.admin });
    const put = await api('PUT', `/units/${t.B1}`, { token: a, headers: { 'If-Match': '"1"' }, body: { ...cur.body, name: 'Đổi' } });
    const none = await api('PUT', `/units/${t.prefix}-NOPE`, { token: a, headers: { 'If-Match': '"1"' }, body: { ...cur.body, code: `${t.prefix}-NOPE`, name: 'Đổi' } });
    assertProblem(put, 404);
    assert.deepEqual(visible(put), visible(none));
    assertProblem(await api('PATCH', `/units/${t.B1}`, { token: a, headers: { 'If-Match': '"1"' }, body: { name: 'Đổi' } }), 404);
    assertProblem(await api('DELETE', `/units/${t.B1}`, { token: a, headers: { 'If-Match': '"1"' } }), 404);
    assertProblem(await api('POST', `/units/${t.B1}/merge`, { token: a, body: { into: t.A1, on: '2025-07-01' } }), 404);
    // Nor pull B's unit in, nor push its own out, nor name B as a successor.
    assertProblem(await api('POST', `/units/${t.A2}/merge`, { token: a, body: { into: t.B, on: '2025-07-01' } }), 422, { fields: ['/into'] });
    const a1 = await api('GET', `/units/${t.A1}`, { token: a });
    const move = await api('PUT', `/units/${t.A1}`, { token: a, headers: { 'If-Match': a1.headers.get('etag') }, body: { ...a1.body, parent: t.B } });
    assertProblem(move, 422, { fields: ['/parent'] });
    const succ = await api('PATCH', `/units/${t.A1}`, { token: a, headers: { 'If-Match': a1.headers.get('etag') }, body: { successor: t.B1 } });
    assertProblem(succ, 422, { fields: ['/successor'] });
    const b1 = await api('GET', `/units/${t.B1}`, { token: t.admin });
    assert.equal(b1.body.version, 1, 'B-1 untouched');
    assert.equal(b1.body.name, 'UBND phường Tứ Hạ');
    const a1after = await api('GET', `/units/${t.A1}`, { token: a });
    assert.equal(a1after.body.version, 1, 'A-1 untouched');
  });

  test('an admin of A writes within A: create, rename, delete', async () => {
    const t = await makeTree();
    const a = adminOf(t.A);
    const u = await createUnit(a, { code: `${t.A}-3`, name: 'Khoa Sản', kind: 'other', parent: t.A1 });
    assert.equal(u.parent, t.A1);
    const p = await api('PATCH', `/units/${u.code}`, { token: a, headers: { 'If-Match': '"1"' }, body: { name: 'Khoa Phụ sản' } });
    assert.equal(p.status, 200, p.text);
    const d = await api('DELETE', `/units/${u.code}`, { token: a, headers: { 'If-Match': p.headers.get('etag') } });
    assert.equal(d.status, 204);
  });
});

describe('versions: ETag, If-Match, If-None-Match', () => {
  test('PUT, PATCH and DELETE without If-Match: 428, nothing changes', async () => {
    const t = await makeTree();
    const cur = await api('GET', `/units/${t.A1}`, { token: t.admin });
    assertProblem(await api('PUT', `/units/${t.A1}`, { token: t.admin, body: { ...cur.body, name: 'Mới' } }), 428, { type: 'precondition_required' });
    assertProblem(await api('PATCH', `/units/${t.A1}`, { token: t.admin, body: { name: 'Mới' } }), 428, { type: 'precondition_required' });
    assertProblem(await api('DELETE', `/units/${t.A2}`, { token: t.admin }), 428, { type: 'precondition_required' });
    const after = await api('GET', `/units/${t.A1}`, { token: t.admin });
    assert.deepEqual(after.body, cur.body);
    assert.equal((await api('GET', `/units/${t.A2}`, { token: t.admin })).status, 200);
  });

  test('a stale If-Match: 412 for PUT, PATCH and DELETE; the current one works', async () => {
    const t = await makeTree();
    const v1 = await api('GET', `/units/${t.A1}`, { token: t.admin });
    const put = await api('PUT', `/units/${t.A1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { ...v1.body, name: 'Trung tâm Y tế thị xã' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.headers.get('etag'), '"2"');
    assert.equal(put.body.version, 2);
    assert.equal(put.body.name, 'Trung tâm Y tế thị xã');
    assert.notEqual(put.body.updated_at, v1.body.updated_at);
    assert.equal(put.body.created_at, v1.body.created_at);
    assertProblem(await api('PUT', `/units/${t.A1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { ...v1.body, name: 'Khác' } }), 412, { type: 'precondition_failed' });
    assertProblem(await api('PATCH', `/units/${t.A1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { name: 'Khác' } }), 412, { type: 'precondition_failed' });
    assertProblem(await api('DELETE', `/units/${t.A2}`, { token: t.admin, headers: { 'If-Match': '"7"' } }), 412, { type: 'precondition_failed' });
    assertProblem(await api('PATCH', `/units/${t.A1}`, { token: t.admin, headers: { 'If-Match': 'garbage' }, body: { name: 'Khác' } }), 412);
    const now = await api('GET', `/units/${t.A1}`, { token: t.admin });
    assert.equal(now.body.name, 'Trung tâm Y tế thị xã');
    assert.equal(now.body.version, 2);
    const weak = await api('PATCH', `/units/${t.A1}`, { token: t.admin, headers: { 'If-Match': 'W/"2"' }, body: { name: 'Trung tâm Y tế' } });
    assert.equal(weak.status, 200, weak.text);
    const star = await api('PATCH', `/units/${t.A1}`, { token: t.admin, headers: { 'If-Match': '*' }, body: { valid_from: '2020-01-01' } });
    assert.equal(star.status, 200, star.text);
    assert.equal(star.body.version, 4);
  });

  test('GET has an ETag; If-None-Match with it answers 304, with a stale one 200', async () => {
    const t = await makeTree();
    const g = await api('GET', `/units/${t.B}`, { token: t.admin });
    const etag = g.headers.get('etag');
    assert.equal(etag, '"1"');
    const nm = await api('GET', `/units/${t.B}`, { token: t.admin, headers: { 'If-None-Match': etag } });
    assert.equal(nm.status, 304);
    assert.equal(nm.text, '');
    assert.equal(nm.headers.get('etag'), etag);
    await api('PATCH', `/units/${t.B}`, { token: t.admin, headers: { 'If-Match': etag }, body: { name: 'UBND thị xã Hương Trà (mới)' } });
    const again = await api('GET', `/units/${t.B}`, { token: t.admin, headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('etag'), '"2"');
    assert.equal(again.body.name, 'UBND thị xã Hương Trà (mới)');
  });

  test('a write that changes nothing keeps the version', async () => {
    const t = await makeTree();
    const g = await api('GET', `/units/${t.B1}`, { token: t.admin });
    const same = await api('PUT', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: g.body });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.body.version, 1);
    assert.equal(same.headers.get('etag'), '"1"');
  });
});

describe('PUT and PATCH', () => {
  test('PATCH is a merge patch: fields given replace, null clears; application/merge-patch+json is taken', async () => {
    const t = await makeTree();
    const a = await api('PATCH', `/units/${t.B1}`, {
      token: t.admin, headers: { 'If-Match': '"1"' }, body: { valid_from: '2019-01-01', valid_to: '2025-06-30' },
    });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.valid_to, '2025-06-30');
    assert.equal(a.body.name, 'UBND phường Tứ Hạ');
    const b = await api('PATCH', `/units/${t.B1}`, {
      token: t.admin, headers: { 'If-Match': '"2"', 'Content-Type': 'application/merge-patch+json' }, raw: '{"valid_to":null}',
    });
    assert.equal(b.status, 200, b.text);
    assert.equal(b.body.valid_to, null);
    assert.equal(b.body.valid_from, '2019-01-01');
    assert.equal(b.body.version, 3);
  });

  test('PATCH with an unknown field or a body that is not an object: 422/400, nothing changes', async () => {
    const t = await makeTree();
    assertProblem(await api('PATCH', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { colour: 'red' } }), 422, { fields: ['/colour'] });
    assertProblem(await api('PATCH', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { kind: 'city', valid_to: '2023-02-29' } }), 422, { fields: ['/kind', '/valid_to'] });
    assertProblem(await api('PATCH', `/units/${t.B1}`, { token: t.admin, raw: '[]', headers: { 'If-Match': '"1"', 'Content-Type': 'application/json' } }), 400);
    assertProblem(await api('PUT', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { name: 'x', kind: 'other' } }), 422, { fields: ['/code'] });
    assert.equal((await api('GET', `/units/${t.B1}`, { token: t.admin })).body.version, 1);
  });

  test('PATCH that removes a required field: 422 naming it', async () => {
    const t = await makeTree();
    const res = await api('PATCH', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { name: null } });
    assertProblem(res, 422, { fields: ['/name'] });
  });

  test('PUT cannot change the code: 422 /code', async () => {
    const t = await makeTree();
    const g = await api('GET', `/units/${t.B1}`, { token: t.admin });
    const res = await api('PUT', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { ...g.body, code: `${t.B1}X` } });
    assertProblem(res, 422, { fields: ['/code'] });
  });

  test('PUT moves a unit and its subtree under another parent', async () => {
    const t = await makeTree();
    const g = await api('GET', `/units/${t.A}`, { token: t.admin });
    const res = await api('PUT', `/units/${t.A}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { ...g.body, parent: t.B } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.parent, t.B);
    const under = await listAll(`/units?under=${t.B}`, t.admin);
    assert.deepEqual(under.items.map((u) => u.code).sort(), [t.A, t.A1, t.A2, t.B, t.B1].sort());
    const anc = await api('GET', `/units/${t.A1}/ancestors`, { token: t.admin });
    assert.deepEqual(anc.body.items.map((u) => u.code), [t.root, t.B, t.A]);
    // and not under itself
    const g2 = await api('GET', `/units/${t.B}`, { token: t.admin });
    const loop = await api('PUT', `/units/${t.B}`, { token: t.admin, headers: { 'If-Match': g2.headers.get('etag') }, body: { ...g2.body, parent: t.A1 } });
    assertProblem(loop, 422, { fields: ['/parent'] });
  });
});

describe('validation', () => {
  const base = (p) => ({ code: `${p}-V`, name: 'Phòng Nội vụ', kind: 'division', parent: p });
  let p;
  let admin;
  before(async () => {
    p = newPrefix();
    admin = adminOf(p);
    await createUnit(admin, { code: p, name: 'Tỉnh', kind: 'province' });
  });

  const bad = [
    ['an unknown field', (b) => ({ ...b, colour: 'red' }), ['/colour']],
    ['a name that is a number', (b) => ({ ...b, name: 5 }), ['/name']],
    ['a kind that is not one of the enum', (b) => ({ ...b, kind: 'city' }), ['/kind']],
    ['a kind of the wrong case', (b) => ({ ...b, kind: 'Province' }), ['/kind']],
    ['30 February', (b) => ({ ...b, valid_from: '2023-02-30' }), ['/valid_from']],
    ['29 February of a common year', (b) => ({ ...b, valid_to: '2023-02-29' }), ['/valid_to']],
    ['a date in another format', (b) => ({ ...b, valid_from: '01/02/2023' }), ['/valid_from']],
    ['a date-time for a date', (b) => ({ ...b, valid_from: '2023-02-01T00:00:00Z' }), ['/valid_from']],
    ['a name of 301 characters', (b) => ({ ...b, name: 'Đ'.repeat(301) }), ['/name']],
    ['an empty name', (b) => ({ ...b, name: '' }), ['/name']],
    ['a null name', (b) => ({ ...b, name: null }), ['/name']],
    ['no name', (b) => { const c = { ...b }; delete c.name; return c; }, ['/name']],
    ['no code and no kind', (b) => { const c = { ...b }; delete c.code; delete c.kind; return c; }, ['/code', '/kind']],
    ['a lower-case code', (b) => ({ ...b, code: b.code.toLowerCase() }), ['/code']],
    ['a code with a space', (b) => ({ ...b, code: `${b.code} X` }), ['/code']],
    ['a code of 65 characters', (b) => ({ ...b, code: 'A'.repeat(65) }), ['/code']],
    ['a parent that is a number', (b) => ({ ...b, parent: 12 }), ['/parent']],
    ['a parent that does not exist', (b) => ({ ...b, parent: `${b.parent}-NOPE` }), ['/parent']],
    ['a successor that does not exist', (b) => ({ ...b, successor: `${b.parent}-NOPE` }), ['/successor']],
    ['valid_to before valid_from', (b) => ({ ...b, valid_from: '2024-01-01', valid_to: '2023-12-31' }), ['/valid_to']],
    ['several faults at once', (b) => ({ ...b, name: 1, kind: 'x', valid_from: '2024-13-01', extra: true }), ['/name', '/kind', '/valid_from', '/extra']],
  ];
  for (const [what, make, fields] of bad) {
    test(`422: ${what}`, async () => {
      const body = make(base(p));
      const res = await api('POST', '/units', { token: admin, body });
      assertProblem(res, 422, { fields });
      const code = typeof body.code === 'string' && /^[A-Z0-9][A-Z0-9._-]{0,63}$/.test(body.code) ? body.code : null;
      if (code) assert.equal((await api('GET', `/units/${code}`, { token: admin })).status, 404, 'nothing written');
    });
  }

  test('the limits themselves are accepted: 300 characters (multi-byte), 29 February of a leap year, a 64-character code', async () => {
    const name = 'Ư'.repeat(300);
    const u = await createUnit(admin, { code: `${p}-${'9'.repeat(64 - p.length - 1)}`, name, kind: 'other', parent: p, valid_from: '2024-02-29' });
    assert.equal(u.name, name);
    assert.equal(u.code.length, 64);
    assert.equal(u.valid_from, '2024-02-29');
  });

  test('the body must be an object with the required fields: 400/422', async () => {
    assertProblem(await api('POST', '/units', { token: admin, raw: '[1,2]', headers: { 'Content-Type': 'application/json' } }), 400);
    assertProblem(await api('POST', '/units', { token: admin, raw: '"x"', headers: { 'Content-Type': 'application/json' } }), 400);
    assertProblem(await api('POST', '/units', { token: admin, body: {} }), 422, { fields: ['/code', '/name', '/kind'] });
  });

  test('merge body: 422 for a missing or bad field', async () => {
    await createUnit(admin, { code: `${p}-M`, name: 'M', kind: 'other', parent: p });
    assertProblem(await api('POST', `/units/${p}-M/merge`, { token: admin, body: { into: p } }), 422, { fields: ['/on'] });
    assertProblem(await api('POST', `/units/${p}-M/merge`, { token: admin, body: { into: p, on: '2025-02-30' } }), 422, { fields: ['/on'] });
    assertProblem(await api('POST', `/units/${p}-M/merge`, { token: admin, body: { into: p, on: '2025-03-01', why: 'x' } }), 422, { fields: ['/why'] });
    assertProblem(await api('POST', `/units/${p}-M/merge`, { token: admin, body: { into: `${p}-M`, on: '2025-03-01' } }), 422, { fields: ['/into'] });
    assertProblem(await api('POST', `/units/${p}-M/merge`, { token: admin, body: { into: `${p}-NOPE`, on: '2025-03-01' } }), 422, { fields: ['/into'] });
    const g = await api('GET', `/units/${p}-M`, { token: admin });
    assert.equal(g.body.version, 1);
  });
});

describe('Idempotency-Key', () => {
  test('a retry gets the first answer and creates nothing more; another body with the key is 422', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    await createUnit(admin, { code: p, name: 'Tỉnh', kind: 'province' });
    const key = `k-${p}`;
    const body = { code: `${p}-HT`, name: 'UBND thị xã Hương Trà', kind: 'district', parent: p };
    const first = await api('POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': key } });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    // validate: false: the replay lacks the ETag (see the todo test below); its body is compared to the first.
    const again = await api('POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': key }, validate: false });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const list = await listAll(`/units?under=${p}`, admin);
    assert.equal(list.items.length, 2);
    const audit = (await auditOf(p)).filter((r) => r.key === body.code);
    assert.equal(audit.length, 1, 'one audit row for one create');
    const other = await api('POST', '/units', { token: admin, body: { ...body, name: 'Khác' }, headers: { 'Idempotency-Key': key } });
    assertProblem(other, 422, { fields: ['Idempotency-Key'] });
    const otherPath = await api('POST', `/units/${body.code}/merge`, { token: admin, body: { into: p, on: '2025-07-01' }, headers: { 'Idempotency-Key': key } });
    assertProblem(otherPath, 422, { fields: ['Idempotency-Key'] });
    const g = await api('GET', `/units/${body.code}`, { token: admin });
    assert.equal(g.body.name, 'UBND thị xã Hương Trà');
    assert.equal(g.body.successor, null);
    assert.equal((await auditOf(p)).filter((r) => r.key === body.code).length, 1);
  });

  test('the replayed answer carries the ETag of the first one', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    await createUnit(admin, { code: p, name: 'Tỉnh', kind: 'province' });
    const body = { code: `${p}-X`, name: 'X', kind: 'other', parent: p };
    const first = await api('POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': 'etag-check' } });
    const again = await api('POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': 'etag-check' } });
    assert.equal(first.headers.get('etag'), '"1"');
    assert.equal(again.headers.get('etag'), first.headers.get('etag'));
  });

  test('keys are per caller: the same key from another sub is a new request', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    await createUnit(admin, { code: p, name: 'Tỉnh', kind: 'province' });
    const other = token({ sub: `second-admin-${p}`, unit: p, role: 'admin' });
    const a = await api('POST', '/units', { token: admin, body: { code: `${p}-1`, name: 'Một', kind: 'other', parent: p }, headers: { 'Idempotency-Key': 'shared' } });
    const b = await api('POST', '/units', { token: other, body: { code: `${p}-2`, name: 'Hai', kind: 'other', parent: p }, headers: { 'Idempotency-Key': 'shared' } });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201, b.text);
    assert.equal(b.body.code, `${p}-2`);
  });

  test('a failed request stores nothing: the retry runs again', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    await createUnit(admin, { code: p, name: 'Tỉnh', kind: 'province' });
    const bad = await api('POST', '/units', { token: admin, body: { code: `${p}-1`, name: 'Một', kind: 'town', parent: p }, headers: { 'Idempotency-Key': 'retry-me' } });
    assertProblem(bad, 422, { fields: ['/kind'] });
    const good = await api('POST', '/units', { token: admin, body: { code: `${p}-1`, name: 'Một', kind: 'other', parent: p }, headers: { 'Idempotency-Key': 'retry-me' } });
    assert.equal(good.status, 201, good.text);
  });

  test('an Idempotency-Key over 200 characters: 400', async () => {
    const p = newPrefix();
    const res = await api('POST', '/units', { token: adminOf(p), body: { code: p, name: 'T', kind: 'province' }, headers: { 'Idempotency-Key': 'k'.repeat(201) } });
    assertProblem(res, 400);
  });

  test('merge with an Idempotency-Key: the retry replays and moves nothing more', async () => {
    const t = await makeTree();
    const first = await api('POST', `/units/${t.B}/merge`, { token: t.admin, body: { into: t.A, on: '2025-07-01' }, headers: { 'Idempotency-Key': 'merge-1' } });
    assert.equal(first.status, 200, first.text);
    const again = await api('POST', `/units/${t.B}/merge`, { token: t.admin, body: { into: t.A, on: '2025-07-01' }, headers: { 'Idempotency-Key': 'merge-1' }, validate: false });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    const rows = (await auditOf(t.prefix)).filter((r) => r.key === t.B && r.op === 'update');
    assert.equal(rows.length, 1);
  });
});

describe('lists', () => {
  test('paging with limit and next walks every item exactly once, in code order', async () => {
    const t = await makeTree();
    for (let i = 0; i < 9; i++) {
      await createUnit(t.admin, { code: `${t.A2}-${String.fromCharCode(65 + i)}`, name: `Tổ ${i}`, kind: 'other', parent: t.A2 });
    }
    const expected = Array.from({ length: 9 }, (_, i) => `${t.A2}-${String.fromCharCode(65 + i)}`);
    for (const limit of [1, 2, 4, 9, 10]) {
      const { items, pages } = await listAll(`/units/${t.A2}/children`, t.admin, limit);
      assert.deepEqual(items.map((u) => u.code), expected, `children, limit ${limit}`);
      assert.equal(pages, Math.ceil(9 / limit), `pages for limit ${limit}`);
    }
    const under = await listAll(`/units?under=${t.root}`, t.admin, 3);
    const codes = under.items.map((u) => u.code);
    assert.equal(codes.length, 6 + 9);
    assert.equal(new Set(codes).size, codes.length, 'no item twice');
    assert.deepEqual(codes, [...codes].sort(), 'ordered by code');
    const first = await api('GET', `/units/${t.A2}/children?limit=9`, { token: t.admin });
    assert.equal(first.body.items.length, 9);
  });

  test('the default page is 50 items and the largest 500', async () => {
    const t = await makeTree();
    const res = await api('GET', `/units?under=${t.root}&limit=500`, { token: t.admin });
    assert.equal(res.status, 200);
    assert.equal(res.body.items.length, 6);
    assert.equal(res.body.next, null);
  });

  test('filters: under, parent, kind, q without diacritics, active_on', async () => {
    const t = await makeTree();
    const codes = async (qs) => (await listAll(`/units?${qs}`, t.admin)).items.map((u) => u.code);
    assert.deepEqual(await codes(`under=${t.A}`), [t.A, t.A1, t.A2]);
    assert.deepEqual(await codes(`parent=${t.root}`), [t.A, t.B]);
    assert.deepEqual(await codes(`parent=${t.A}&kind=division`), [t.A2]);
    assert.deepEqual(await codes(`under=${t.root}&kind=commune`), [t.B1]);
    assert.deepEqual(await codes(`under=${t.root}&q=huong%20tra`), [t.B]);
    assert.deepEqual(await codes(`under=${t.root}&q=HUONG+TRA`), [t.B]);
    assert.deepEqual(await codes(`under=${t.root}&q=${encodeURIComponent('Hương Trà')}`), [t.B]);
    assert.deepEqual(await codes(`under=${t.root}&q=so%20y%20te`), [t.A]);
    assert.deepEqual(await codes(`under=${t.root}&q=tu%20ha`), [t.B1]);
    assert.deepEqual(await codes(`under=${t.root}&q=noi%20vu`), [t.A2]);
    assert.deepEqual(await codes(`under=${t.root}&q=van%20canh%20y%20te`), [t.A1], 'every word must occur');
    assert.deepEqual(await codes(`under=${t.root}&q=huong%20canh`), []);
    assert.deepEqual(await codes(`q=${t.B1}`), [t.B1], 'the code is searched too');
    // active_on: B-1 from 2019 to mid-2025, A-2 from 2026
    await api('PATCH', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { valid_from: '2019-01-01', valid_to: '2025-06-30' } });
    await api('PATCH', `/units/${t.A2}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { valid_from: '2026-01-01' } });
    assert.deepEqual(await codes(`under=${t.root}&active_on=2018-12-31`), [t.root, t.A, t.A1, t.B]);
    assert.deepEqual(await codes(`under=${t.root}&active_on=2025-06-30`), [t.root, t.A, t.A1, t.B, t.B1]);
    assert.deepEqual(await codes(`under=${t.root}&active_on=2025-07-01`), [t.root, t.A, t.A1, t.B]);
    assert.deepEqual(await codes(`under=${t.root}&active_on=2026-01-01`), [t.root, t.A, t.A1, t.A2, t.B]);
    assert.deepEqual(await codes(`under=${t.prefix}-NOPE`), []);
  });

  test('a bad filter value is 400 or an empty list, never a 500', async () => {
    const t = await makeTree();
    assertProblem(await api('GET', `/units?active_on=2024-02-30`, { token: t.admin }), 400, { fields: ['active_on'] });
    assertProblem(await api('GET', `/units?active_on=yesterday`, { token: t.admin }), 400, { fields: ['active_on'] });
    const kind = await api('GET', `/units?under=${t.root}&kind=city`, { token: t.admin });
    assert.ok(kind.status === 400 || (kind.status === 200 && kind.body.items.length === 0), kind.text);
    const q = await api('GET', `/units?under=${t.root}&q=${encodeURIComponent("'; DROP TABLE bdg.unit; --")}`, { token: t.admin });
    assert.equal(q.status, 200);
    assert.deepEqual(q.body.items, []);
  });

  test('query parameters: unknown ones, bad limits and forged cursors are 400', async () => {
    const t = await makeTree();
    const v = t.admin;
    assertProblem(await api('GET', '/units?sort=name', { token: v }), 400, { fields: ['sort'] });
    assertProblem(await api('GET', '/units?Limit=5', { token: v }), 400, { fields: ['Limit'] });
    assertProblem(await api('GET', `/units/${t.A}?limit=5`, { token: v }), 400, { fields: ['limit'] });
    assertProblem(await api('GET', `/units/${t.A}/ancestors?after=x`, { token: v }), 400);
    assertProblem(await api('GET', `/units/${t.A}/children?under=${t.A}`, { token: v }), 400);
    for (const limit of ['0', '-1', '1000000000', '501', 'ten', '', '5.5', '1e2']) {
      assertProblem(await api('GET', `/units?limit=${limit}`, { token: v }), 400, { fields: ['limit'] });
    }
    assertProblem(await api('GET', '/units?limit=5&limit=6', { token: v }), 400);
    const forged = [
      'garbage!',
      Buffer.from(`k1:${t.A}`).toString('base64'),           // '=' padding is not base64url
      Buffer.from(`k2:${t.A}`).toString('base64url'),
      Buffer.from('k1:').toString('base64url') + 'A',
      Buffer.from(`x1:${t.A}`).toString('base64url'),
      'A'.repeat(600),
    ];
    for (const after of forged) {
      assertProblem(await api('GET', `/units?after=${encodeURIComponent(after)}`, { token: v }), 400, { fields: ['after'] });
    }
    // A cursor the server gave out is taken.
    const p1 = await api('GET', `/units?under=${t.root}&limit=2`, { token: v });
    const p2 = await api('GET', `/units?under=${t.root}&limit=2&after=${p1.body.next}`, { token: v });
    assert.equal(p2.status, 200);
    assert.equal(p2.body.items[0].code, [t.root, t.A, t.A1, t.A2, t.B, t.B1][2]);
  });
});

describe('merge', () => {
  test('merge moves the children to the successor and sets successor and valid_to; the old unit stays readable', async () => {
    const t = await makeTree();
    const res = await api('POST', `/units/${t.B}/merge`, { token: t.admin, body: { into: t.A, on: '2025-07-01' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.code, t.B);
    assert.equal(res.body.successor, t.A);
    assert.equal(res.body.valid_to, '2025-06-30');
    assert.equal(res.body.version, 2);
    assert.equal(res.headers.get('etag'), '"2"');
    const old = await api('GET', `/units/${t.B}`, { token: t.admin });
    assert.equal(old.status, 200);
    assert.deepEqual(old.body, res.body);
    const b1 = await api('GET', `/units/${t.B1}`, { token: t.admin });
    assert.equal(b1.body.parent, t.A);
    const kidsA = await listAll(`/units/${t.A}/children`, t.admin);
    assert.deepEqual(kidsA.items.map((u) => u.code), [t.A1, t.A2, t.B1]);
    const kidsB = await api('GET', `/units/${t.B}/children`, { token: t.admin });
    assert.deepEqual(kidsB.body, { items: [], next: null });
    const anc = await api('GET', `/units/${t.B1}/ancestors`, { token: t.admin });
    assert.deepEqual(anc.body.items.map((u) => u.code), [t.root, t.A]);
    // A viewer of A now reaches B-1, and still not B.
    assert.equal((await api('GET', `/units/${t.B1}`, { token: viewerOf(t.A) })).status, 200);
    assert.equal((await api('GET', `/units/${t.B}`, { token: viewerOf(t.A) })).status, 404);
    // active_on sees the merged unit only before the merge.
    const before = await listAll(`/units?parent=${t.root}&active_on=2025-06-30`, t.admin);
    const after = await listAll(`/units?parent=${t.root}&active_on=2025-07-01`, t.admin);
    assert.deepEqual(before.items.map((u) => u.code), [t.A, t.B]);
    assert.deepEqual(after.items.map((u) => u.code), [t.A]);
  });

  test('a unit cannot be merged into its own subunit: 422 /into', async () => {
    const t = await makeTree();
    assertProblem(await api('POST', `/units/${t.A}/merge`, { token: t.admin, body: { into: t.A1, on: '2025-07-01' } }), 422, { fields: ['/into'] });
    assertProblem(await api('POST', `/units/${t.prefix}-NOPE/merge`, { token: t.admin, body: { into: t.A1, on: '2025-07-01' } }), 404);
  });
});

describe('delete', () => {
  test('a unit with children: 409; a leaf: 204, then 404', async () => {
    const t = await makeTree();
    const withKids = await api('DELETE', `/units/${t.A}`, { token: t.admin, headers: { 'If-Match': '"1"' } });
    assertProblem(withKids, 409);
    assert.equal((await api('GET', `/units/${t.A}`, { token: t.admin })).status, 200);
    const leaf = await api('DELETE', `/units/${t.A2}`, { token: t.admin, headers: { 'If-Match': '"1"' } });
    assert.equal(leaf.status, 204);
    assert.equal(leaf.text, '');
    assertProblem(await api('GET', `/units/${t.A2}`, { token: t.admin }), 404);
    assertProblem(await api('DELETE', `/units/${t.A2}`, { token: t.admin, headers: { 'If-Match': '"1"' } }), 404);
    const kids = await listAll(`/units/${t.A}/children`, t.admin);
    assert.deepEqual(kids.items.map((u) => u.code), [t.A1]);
  });

  test('a unit that succeeds another cannot be deleted: 409', async () => {
    const t = await makeTree();
    const succ = await api('PATCH', `/units/${t.A2}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { successor: t.A1, valid_to: '2024-12-31' } });
    assert.equal(succ.status, 200, succ.text);
    const res = await api('DELETE', `/units/${t.A1}`, { token: t.admin, headers: { 'If-Match': '*' } });
    assertProblem(res, 409);
    assert.equal((await api('GET', `/units/${t.A2}`, { token: t.admin })).body.successor, t.A1);
  });
});

describe('audit', () => {
  function checkActor(rows, sub, unit) {
    for (const r of rows) {
      assert.equal(r.actor_sub, sub);
      assert.equal(r.actor_unit, unit);
      assert.equal(r.actor_role, 'admin');
      assert.equal(r.has_before, r.op !== 'create', `before of ${r.op}`);
      assert.equal(r.has_after, r.op !== 'delete', `after of ${r.op}`);
    }
    const revs = rows.map((r) => Number(r.revision));
    assert.deepEqual(revs, [...revs].sort((a, b) => a - b));
    assert.equal(new Set(revs).size, revs.length, 'one revision per write');
  }

  test('every write leaves one audit row with resource, op and actor_sub; refused writes leave none', async () => {
    const p = newPrefix();
    const sub = `auditor-${p}`;
    const admin = token({ sub, unit: p, role: 'admin' });
    await createUnit(admin, { code: p, name: 'Tỉnh', kind: 'province' });
    await createUnit(admin, { code: `${p}-A`, name: 'A', kind: 'department', parent: p });
    await createUnit(admin, { code: `${p}-B`, name: 'B', kind: 'department', parent: p });
    await createUnit(admin, { code: `${p}-A-1`, name: 'A1', kind: 'other', parent: `${p}-A` });
    const put = await api('PUT', `/units/${p}-A`, { token: admin, headers: { 'If-Match': '"1"' }, body: { code: `${p}-A`, name: 'A mới', kind: 'department', parent: p } });
    assert.equal(put.status, 200, put.text);
    const patch = await api('PATCH', `/units/${p}-B`, { token: admin, headers: { 'If-Match': '"1"' }, body: { valid_from: '2020-01-01' } });
    assert.equal(patch.status, 200, patch.text);
    const move = await api('PATCH', `/units/${p}-A-1`, { token: admin, headers: { 'If-Match': '"1"' }, body: { parent: `${p}-B` } });
    assert.equal(move.status, 200, move.text);
    const del = await api('DELETE', `/units/${p}-A-1`, { token: admin, headers: { 'If-Match': move.headers.get('etag') } });
    assert.equal(del.status, 204, del.text);
    // Refused writes (422, 412, 409, 403, 428) leave nothing.
    await api('POST', '/units', { token: admin, body: { code: `${p}-C`, name: 'C', kind: 'nope', parent: p } });
    await api('PATCH', `/units/${p}-B`, { token: admin, headers: { 'If-Match': '"1"' }, body: { name: 'x' } });
    await api('POST', '/units', { token: admin, body: { code: `${p}-B`, name: 'B', kind: 'department', parent: p } });
    await api('DELETE', `/units/${p}`, { token: admin, headers: { 'If-Match': '*' } });
    await api('PATCH', `/units/${p}-B`, { token: editorOf(p), headers: { 'If-Match': '*' }, body: { name: 'x' } });
    await api('PATCH', `/units/${p}-B`, { token: admin, body: { name: 'x' } });

    const rows = await auditOf(p);
    assert.deepEqual(rows.map((r) => `${r.resource} ${r.op} ${r.key}`), [
      `unit create ${p}`,
      `unit create ${p}-A`,
      `unit create ${p}-B`,
      `unit create ${p}-A-1`,
      `unit update ${p}-A`,            // PUT
      `unit update ${p}-B`,            // PATCH
      `unit update ${p}-A-1`,          // PATCH parent
      `unit delete ${p}-A-1`,
    ]);
    checkActor(rows, sub, p);
  });

  test('a merge leaves an audit row for the merged unit and for each child it moved', async () => {
    const t = await makeTree();
    const merge = await api('POST', `/units/${t.B}/merge`, { token: t.admin, body: { into: t.A, on: '2025-07-01' } });
    assert.equal(merge.status, 200, merge.text);
    const rows = (await auditOf(t.prefix)).filter((r) => r.op !== 'create');
    assert.deepEqual(rows.map((r) => `${r.op} ${r.key}`).sort(), [`update ${t.B}`, `update ${t.B1}`].sort());
    checkActor(rows, `admin-${t.root}`, t.root);
  });
});

// Every change the token sees, from the start, following next/more.
async function feed(tok, qs) {
  const out = [];
  let since = '0';
  for (let i = 0; i < 100; i++) {
    const res = await api('GET', `/changes?since=${since}&limit=1000&${qs}`, { token: tok });
    assert.equal(res.status, 200, res.text);
    out.push(...res.body.items);
    if (res.body.items.length) assert.equal(res.body.next, String(res.body.items.at(-1).revision));
    else assert.equal(res.body.next, since);
    since = res.body.next;
    if (!res.body.more) return out;
  }
  throw new Error('the feed does not end');
}

describe('changes feed and audit log (the contract of their answers)', () => {

  test('/changes lists a subtree\'s writes in revision order, deletions included, to its readers only', async () => {
    const t = await makeTree();
    const p = await api('PATCH', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { name: 'UBND phường Tứ Hạ (mới)' } });
    assert.equal(p.status, 200);
    const d = await api('DELETE', `/units/${t.A2}`, { token: t.admin, headers: { 'If-Match': '"1"' } });
    assert.equal(d.status, 204);
    const all = await feed(viewerOf(t.root), `under=${t.root}&types=unit`);
    assert.deepEqual(all.map((c) => `${c.op} ${c.key}`), [
      `create ${t.root}`, `create ${t.A}`, `create ${t.B}`, `create ${t.A1}`, `create ${t.A2}`, `create ${t.B1}`,
      `update ${t.B1}`, `delete ${t.A2}`,
    ]);
    const revs = all.map((c) => c.revision);
    assert.deepEqual(revs, [...revs].sort((a, b) => a - b));
    assert.equal(all[6].data.name, 'UBND phường Tứ Hạ (mới)');
    assert.equal(all[7].data, null);
    const mine = await feed(viewerOf(t.A), `under=${t.A}&types=unit`);
    assert.deepEqual(mine.map((c) => `${c.op} ${c.key}`), [`create ${t.A}`, `create ${t.A1}`, `create ${t.A2}`, `delete ${t.A2}`]);
    const outside = await api('GET', `/changes?under=${t.B}&types=unit`, { token: viewerOf(t.A) });
    assert.equal(outside.status, 200);
    assert.deepEqual(outside.body.items.filter((c) => c.key.startsWith(t.prefix)), []);
  });

  test('/audit shows who wrote what, before and after', async () => {
    const t = await makeTree();
    const rid = `audit-${t.prefix}`;
    await api('PATCH', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': '"1"', 'X-Request-Id': rid }, body: { valid_from: '2019-01-01' } });
    const res = await api('GET', `/audit?resource=unit&key=${t.B1}`, { token: viewerOf(t.root) });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.items.map((e) => e.op), ['create', 'update']);
    const [c, u] = res.body.items;
    assert.deepEqual(c.actor, { sub: `admin-${t.root}`, unit: t.root, role: 'admin' });
    assert.equal(c.before, null);
    assert.equal(u.before.valid_from, null);
    assert.equal(u.after.valid_from, '2019-01-01');
    assert.equal(u.request_id, rid, 'the audit row carries the request id');
    assert.equal(res.body.next, String(u.revision));
    assertProblem(await api('GET', '/audit?resource=units', { token: viewerOf(t.root) }), 400, { fields: ['resource'] });
    assertProblem(await api('GET', '/changes?since=-1', { token: viewerOf(t.root) }), 400, { fields: ['since'] });
    assertProblem(await api('GET', '/changes?types=unit,plans', { token: viewerOf(t.root) }), 400, { fields: ['types'] });
  });

  test('/audit: a page with nothing new keeps the cursor', async () => {
    const t = await makeTree();
    const first = await api('GET', `/audit?key=${t.B1}`, { token: t.admin });
    const after = first.body.next;
    const again = await api('GET', `/audit?key=${t.B1}&after=${after}`, { token: t.admin });
    assert.deepEqual(again.body.items, []);
    assert.equal(again.body.next, after);
  });
});

describe('concurrent writers', () => {
  test('two PATCHes with the same If-Match: one wins, the other gets 412; no update is lost', async () => {
    const t = await makeTree();
    const names = Array.from({ length: 6 }, (_, i) => `Phòng Nội vụ ${i}`);
    const answers = await Promise.all(names.map((name) => api('PATCH', `/units/${t.A2}`, { token: t.admin, headers: { 'If-Match': '"1"' }, body: { name } })));
    const won = answers.filter((r) => r.status === 200);
    const lost = answers.filter((r) => r.status === 412);
    assert.equal(won.length, 1, answers.map((r) => r.status).join());
    assert.equal(lost.length, names.length - 1, answers.map((r) => r.status).join());
    const now = await api('GET', `/units/${t.A2}`, { token: t.admin });
    assert.equal(now.body.version, 2);
    assert.equal(now.body.name, won[0].body.name);
    const rows = (await auditOf(t.A2)).filter((r) => r.key === t.A2 && r.op === 'update');
    assert.equal(rows.length, 1);
  });

  test('the same Idempotency-Key sent concurrently creates one unit', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    await createUnit(admin, { code: p, name: 'Tỉnh', kind: 'province' });
    const body = { code: `${p}-1`, name: 'Một', kind: 'other', parent: p };
    const answers = await Promise.all(Array.from({ length: 5 }, () => api('POST', '/units', { token: admin, body, headers: { 'Idempotency-Key': 'together' }, validate: false })));
    for (const r of answers) assert.ok(r.status === 201 || r.status === 409, `${r.status} ${r.text}`);
    assert.ok(answers.some((r) => r.status === 201));
    for (const r of answers.filter((x) => x.status === 201)) assert.equal(r.body.id, answers.find((x) => x.status === 201).body.id);
    assert.equal((await auditOf(`${p}-1`)).length, 1);
  });

  test('concurrent creates of the same code: one 201, the others 409', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    await createUnit(admin, { code: p, name: 'Tỉnh', kind: 'province' });
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => api('POST', '/units', { token: admin, body: { code: `${p}-1`, name: `Một ${i}`, kind: 'other', parent: p } })));
    assert.deepEqual(answers.map((r) => r.status).sort(), [201, 409, 409, 409, 409]);
  });
});

// A unit and its own descendant moved in one bulk statement: A1 (under A)
// goes under B, and A1X (under A1) goes back under A. Whatever order the
// statement applies them in, the tree ends as asked, and what each unit
// reads follows: a plan of A1X is A's to read (GET, list, feed), not B's.
describe('a unit and its own descendant moved in one bulk statement', () => {
  test('the tree ends as asked, and reading and the feed follow it', async () => {
    const p = newPrefix();
    const c = { root: p, A: `${p}-A`, B: `${p}-B`, A1: `${p}-A-1`, A1X: `${p}-A-1-X` };
    const admin = adminOf(p);
    const units = [
      { code: c.root, name: 'UBND tỉnh thử di chuyển', kind: 'province', parent: null },
      { code: c.A, name: 'UBND huyện A', kind: 'district', parent: c.root },
      { code: c.B, name: 'UBND huyện B', kind: 'district', parent: c.root },
      { code: c.A1, name: 'UBND xã A1', kind: 'commune', parent: c.A },
      { code: c.A1X, name: 'Trạm y tế xã A1', kind: 'public_service_unit', parent: c.A1 },
    ];
    assert.equal((await api('POST', '/bulk', { token: admin, body: { units } })).status, 200);
    const { makePlan } = await import('./reports_lib.mjs');
    const plan = (await makePlan({ issuer: c.A1X, recipients: [] })).id;
    const viewerA = viewerOf(c.A);
    const viewerB = viewerOf(c.B);
    assert.equal((await api('GET', `/plans/${plan}`, { token: viewerA })).status, 200);
    assert.equal((await api('GET', `/plans/${plan}`, { token: viewerB })).status, 404);

    const moved = await api('POST', '/bulk', {
      token: admin,
      body: { units: [{ ...units[3], parent: c.B }, { ...units[4], parent: c.A }] },
    });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(moved.body.units, { created: 0, updated: 2, unchanged: 0, rejected: 0 });

    const up = async (code) => (await api('GET', `/units/${code}/ancestors`, { token: admin })).body.items.map((u) => u.code);
    assert.deepEqual(await up(c.A1), [c.root, c.B]);
    assert.deepEqual(await up(c.A1X), [c.root, c.A]);
    assert.deepEqual((await listAll(`/units?parent=${c.B}`, admin)).items.map((u) => u.code), [c.A1]);
    assert.deepEqual((await listAll(`/units?parent=${c.A}`, admin)).items.map((u) => u.code), [c.A1X]);

    assert.equal((await api('GET', `/plans/${plan}`, { token: viewerA })).status, 200);
    assert.equal((await api('GET', `/plans/${plan}`, { token: viewerB })).status, 404);
    const listed = async (tok) => (await api('GET', '/plans?limit=100', { token: tok })).body.items.map((x) => x.id);
    assert.ok((await listed(viewerA)).includes(plan));
    assert.ok(!(await listed(viewerB)).includes(plan));
    const fed = async (tok) => (await feed(tok, 'types=plan')).map((x) => x.id);
    assert.ok((await fed(viewerA)).includes(plan), "A's feed has A1X's plan");
    assert.ok(!(await fed(viewerB)).includes(plan), "B's feed does not");
  });
});

// GET /audit?resource=…&id=… reads one resource's history through its
// index (lib/change.c, st_audit_resource): page by page, with other
// units' writes between its own, exactly its rows in revision order, to
// its readers only.
describe('one resource\'s history', () => {
  test('paged one row at a time between other writes: exactly its rows, in order; out of reach: none', async () => {
    const t = await makeTree();
    const unit = async (code) => (await api('GET', `/units/${code}`, { token: t.admin })).body;
    const id = (await unit(t.B1)).id;
    for (let v = 1; v <= 3; v++) {
      const r = await api('PATCH', `/units/${t.B1}`, { token: t.admin, headers: { 'If-Match': `"${v}"` }, body: { name: `UBND phường Tứ Hạ (${v})` } });
      assert.equal(r.status, 200, r.text);
      const o = await api('PATCH', `/units/${t.A2}`, { token: t.admin, headers: { 'If-Match': `"${v}"` }, body: { name: `Phòng Nội vụ (${v})` } });
      assert.equal(o.status, 200, o.text);
    }
    const history = async (tok) => {
      const rows = [];
      let after = null;
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 20, 'paging ends');
        const res = await api('GET', `/audit?resource=unit&id=${id}&limit=1${after ? `&after=${after}` : ''}`, { token: tok });
        assert.equal(res.status, 200, res.text);
        assert.ok(res.body.items.length <= 1);
        rows.push(...res.body.items);
        if (!res.body.more) return rows;
        after = res.body.next;
      }
    };
    const rows = await history(t.admin);
    assert.deepEqual(rows.map((r) => [r.resource, r.id, r.key, r.op]), [
      ['unit', id, t.B1, 'create'], ['unit', id, t.B1, 'update'], ['unit', id, t.B1, 'update'], ['unit', id, t.B1, 'update'],
    ]);
    assert.deepEqual(rows.map((r) => r.after.name), ['UBND phường Tứ Hạ', 'UBND phường Tứ Hạ (1)', 'UBND phường Tứ Hạ (2)', 'UBND phường Tứ Hạ (3)']);
    const revs = rows.map((r) => r.revision);
    assert.deepEqual(revs, [...revs].sort((a, b) => a - b));
    assert.deepEqual(await history(viewerOf(t.A)), [], 'a unit of another branch reads none of it');
    assert.equal((await history(viewerOf(t.B))).length, 4, 'the unit above reads all of it');
  });
});
