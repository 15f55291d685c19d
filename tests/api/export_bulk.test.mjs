// export_bulk.test.mjs: the contract of list exports (Accept: text/csv,
// application/x-ndjson) and of POST /bulk, as far as the foundation's
// units go. The deeper tests of these features live with them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { adminOf, api, assertProblem, auditOf, listAll, makeTree, newPrefix, token } from './lib.mjs';

describe('list exports', () => {
  test('Accept: application/x-ndjson streams every unit of the filter, one JSON object per line', async () => {
    const t = await makeTree();
    const res = await api('GET', `/units?under=${t.root}&limit=2`, { token: t.admin, headers: { Accept: 'application/x-ndjson' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/x-ndjson/);
    const lines = res.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const all = await listAll(`/units?under=${t.root}`, t.admin);
    assert.deepEqual(lines, all.items);
  });

  test('Accept: text/csv answers a header row and one row per unit, Vietnamese intact', async () => {
    const t = await makeTree();
    const res = await api('GET', `/units/${t.root}/children`, { token: t.admin, headers: { Accept: 'text/csv' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/csv/);
    const rows = res.text.replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean);
    const header = rows[0].split(',');
    for (const f of ['code', 'name', 'kind', 'parent']) assert.ok(header.includes(f), `column ${f}`);
    assert.equal(rows.length, 3);
    assert.ok(rows.some((r) => r.includes('UBND thị xã Hương Trà')));
  });

  test('an export keeps the caller\'s reach and the errors of the first page', async () => {
    const t = await makeTree();
    const v = token({ sub: 'v', unit: t.A, role: 'viewer' });
    const res = await api('GET', `/units?under=${t.root}`, { token: v, headers: { Accept: 'application/x-ndjson' } });
    assert.equal(res.status, 200);
    assert.equal(res.text.trim(), '');
    assertProblem(await api('GET', '/units?active_on=2024-02-30', { token: v, headers: { Accept: 'text/csv' } }), 400, { fields: ['active_on'] });
    assertProblem(await api('GET', '/units?sort=name', { token: v, headers: { Accept: 'text/csv' } }), 400);
    assertProblem(await api('GET', `/units/${t.B}/children`, { token: v, headers: { Accept: 'text/csv' } }), 404);
  });
});

describe('POST /bulk (units)', () => {
  const batch = (p) => ({
    units: [
      { code: p, name: 'UBND tỉnh Thừa Thiên Huế', kind: 'province' },
      { code: `${p}-HT`, name: 'UBND thị xã Hương Trà', kind: 'district', parent: p },
      { code: `${p}-SYT`, name: 'Sở Y tế tỉnh Thừa Thiên Huế', kind: 'department', parent: p },
    ],
  });

  test('dry run writes nothing; the run creates; the same batch again is all unchanged', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    const dry = await api('POST', '/bulk?dry_run=true', { token: admin, body: batch(p) });
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(dry.body, { dry_run: true, units: { created: 3, updated: 0, unchanged: 0, rejected: 0 } });
    assert.equal((await api('GET', `/units/${p}`, { token: admin })).status, 404);
    assert.deepEqual(await auditOf(p), []);
    const run = await api('POST', '/bulk', { token: admin, body: batch(p) });
    assert.equal(run.status, 200, run.text);
    assert.deepEqual(run.body.units, { created: 3, updated: 0, unchanged: 0, rejected: 0 });
    const again = await api('POST', '/bulk', { token: admin, body: batch(p) });
    assert.deepEqual(again.body.units, { created: 0, updated: 0, unchanged: 3, rejected: 0 });
    assert.equal((await auditOf(p)).length, 3);
  });

  test('one bad item rejects the batch, naming every bad item; nothing is written', async () => {
    const p = newPrefix();
    const admin = adminOf(p);
    const b = batch(p);
    b.units[1].kind = 'city';
    b.units[2].colour = 'red';
    const res = await api('POST', '/bulk', { token: admin, body: b });
    assertProblem(res, 422, { fields: ['/units/1/kind', '/units/2/colour'] });
    assert.equal((await api('GET', `/units/${p}`, { token: admin })).status, 404);
    assertProblem(await api('POST', '/bulk', { token: admin, body: { plants: [] } }), 422, { fields: ['/plants'] });
  });

  test('authorization per item: a new unit under a parent outside the caller\'s reach is rejected',
    async () => {
      const t = await makeTree();
      const a = adminOf(t.A);
      const res = await api('POST', '/bulk', { token: a, body: { units: [{ code: `${t.B}-9`, name: 'X', kind: 'commune', parent: t.B }] } });
      assertProblem(res, 422, { fields: ['/units/0/parent'] });
      assert.equal((await api('GET', `/units/${t.B}-9`, { token: t.admin })).status, 404);
    });

  test('authorization per item: an existing unit outside the caller\'s reach is rejected; viewers may not bulk', async () => {
    const t = await makeTree();
    const a = adminOf(t.A);
    const res = await api('POST', '/bulk', { token: a, body: { units: [{ code: t.B1, name: 'Đổi', kind: 'commune', parent: t.B }] } });
    assertProblem(res, 422, { fields: ['/units/0/code'] });
    assert.equal((await api('GET', `/units/${t.B1}`, { token: t.admin })).body.version, 1);
    assertProblem(await api('POST', '/bulk', { token: token({ unit: t.A, role: 'viewer' }), body: batch(newPrefix()) }), 403);
    assertProblem(await api('POST', '/bulk?dry_run=yes', { token: a, body: batch(newPrefix()) }), 400, { fields: ['dry_run'] });
  });
});
