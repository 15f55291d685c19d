// sync.test.mjs: clients/sync/sync.sh, the example a portal team copies,
// run against the live test server as cron would run it: the pull with
// bdg sync (and with plain curl), the hook that is handed each new line
// once (again after it failed), and the push of report values through
// the bulk endpoint.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BASE, BDGD, ROOT, SECRET, api, newPrefix } from './lib.mjs';

const BUILD = process.env.BDG_BUILD_DIR || 'build';
const BIN = process.env.BDG_TEST_CLI || join(isAbsolute(BUILD) ? BUILD : join(ROOT, BUILD), 'clients', 'cli', 'bdg');
const SCRIPT = join(ROOT, 'clients', 'sync', 'sync.sh');

let work;
before(() => { work = mkdtempSync(join(tmpdir(), 'bdg-sync-')); });
after(() => rmSync(work, { recursive: true, force: true }));

function mint(unit, role = 'admin') {
  return new Promise((ok, fail) => {
    execFile(BDGD, ['token', '--sub', `sync-${role}-${unit}`, '--unit', unit, '--role', role],
      { env: { PATH: process.env.PATH, BDG_JWT_SECRET: SECRET }, timeout: 10000 },
      (err, stdout, stderr) => (err ? fail(new Error(`bdgd token: ${stderr || err.message}`)) : ok(stdout.trim())));
  });
}

// Run sync.sh DIR [CSV] with only the variables it documents.
function syncSh(args, { token, env = {} } = {}) {
  return new Promise((ok, fail) => {
    const child = spawn('sh', [SCRIPT, ...args], {
      env: { PATH: process.env.PATH, HOME: work, BDG: BIN, BDG_URL: BASE, BDG_TOKEN: token, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

function ran(r) {
  assert.equal(r.code, 0, `sync.sh exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

const ndjson = (f) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

// A root and two children under a fresh prefix, through the API.
async function tree() {
  const p = newPrefix();
  const admin = await mint(p);
  const units = [
    { code: p, name: 'UBND tỉnh Bình Định', kind: 'province' },
    { code: `${p}-VC`, name: 'Trung tâm Y tế huyện Vân Canh', kind: 'public_service_unit', parent: p },
    { code: `${p}-CT`, name: 'Trạm Y tế xã Canh Thuận', kind: 'public_service_unit', parent: `${p}-VC` },
  ];
  for (const u of units) {
    const r = await api('POST', '/units', { token: admin, body: u });
    assert.equal(r.status, 201, r.text);
  }
  return { p, admin, units };
}

// A hook that keeps what it is given, per resource, and fails on demand.
function hookScript(dir) {
  const file = join(dir, 'hook.sh');
  writeFileSync(file, '#!/bin/sh\n[ -e "$HOOK_OUT/fail" ] && exit 1\ncat >>"$HOOK_OUT/$1.got"\n');
  chmodSync(file, 0o755);
  return file;
}

describe('pull', () => {
  test('with bdg sync: the feed into DIR, each new line handed to the hook once, resumed run after run', async () => {
    const t = await tree();
    const dir = join(work, 'a');
    const hookOut = mkdtempSync(join(work, 'hook-'));
    const env = { BDG_SYNC_HOOK: hookScript(hookOut), HOOK_OUT: hookOut };

    const r1 = ran(await syncSh([dir], { token: t.admin, env }));
    assert.match(r1.stdout, /changes? saved in .*, at revision \d+/);
    const state1 = Number(readFileSync(join(dir, 'state'), 'utf8'));
    const units1 = ndjson(join(dir, 'unit.ndjson'));
    assert.deepEqual(units1.map((c) => [c.key, c.op]), t.units.map((u) => [u.code, 'create']));
    assert.deepEqual(ndjson(join(hookOut, 'unit.got')), units1, 'the hook got every unit line');
    assert.ok(units1.every((c) => c.revision <= state1));

    // A change, a failing hook: the line is kept and offered again.
    const upd = await api('PATCH', `/units/${t.p}-CT`, {
      token: t.admin, headers: { 'If-Match': '"1"', 'Content-Type': 'application/merge-patch+json' }, raw: '{"name":"Trạm Y tế xã Canh Thuận (mới)"}',
    });
    assert.equal(upd.status, 200, upd.text);
    writeFileSync(join(hookOut, 'fail'), '');
    const r2 = await syncSh([dir], { token: t.admin, env });
    assert.notEqual(r2.code, 0, 'a failed hook fails the run');
    assert.equal(ndjson(join(dir, 'unit.ndjson')).length, 4, 'the change is saved all the same');
    assert.ok(Number(readFileSync(join(dir, 'state'), 'utf8')) > state1);

    rmSync(join(hookOut, 'fail'));
    const r3 = ran(await syncSh([dir], { token: t.admin, env }));
    assert.match(r3.stdout, /^0 changes saved/m);
    const got = ndjson(join(hookOut, 'unit.got'));
    assert.equal(got.length, 4, 'the line is handed on once it succeeds, and only once');
    assert.equal(got[3].key, `${t.p}-CT`);
    assert.equal(got[3].op, 'update');
    assert.equal(got[3].data.name, 'Trạm Y tế xã Canh Thuận (mới)');

    // Nothing new: nothing handed on, nothing written.
    ran(await syncSh([dir], { token: t.admin, env }));
    assert.equal(ndjson(join(hookOut, 'unit.got')).length, 4);
    const revs = ndjson(join(dir, 'unit.ndjson')).map((c) => c.revision);
    assert.equal(new Set(revs).size, revs.length, 'no duplicate line');
  });

  test('without a hook it counts the new lines; a refused token stops it with 3', async () => {
    const t = await tree();
    const dir = join(work, 'b');
    const r = ran(await syncSh([dir], { token: t.admin }));
    assert.match(r.stdout, /^unit: 3 new change\(s\)$/m);
    const bad = await syncSh([dir], { token: `${t.admin.slice(0, -3)}xyz` });
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /Unauthorized/);
  });

  test('with plain curl: pages as they came, the state advanced, nothing fetched twice', async () => {
    const t = await tree();
    const dir = join(work, 'c');
    const env = { BDG_SYNC_WITH: 'curl' };
    const r1 = ran(await syncSh([dir], { token: t.admin, env }));
    const state1 = readFileSync(join(dir, 'state'), 'utf8').trim();
    assert.match(r1.stdout, new RegExp(`at revision ${state1}`));
    const pages1 = readdirSync(join(dir, 'pages')).filter((f) => f.endsWith('.json'));
    assert.ok(pages1.includes(`${state1}.json`));
    const items = pages1.flatMap((f) => JSON.parse(readFileSync(join(dir, 'pages', f), 'utf8')).items);
    const ours = items.filter((c) => c.resource === 'unit').map((c) => c.key);
    assert.deepEqual(ours, t.units.map((u) => u.code));

    ran(await syncSh([dir], { token: t.admin, env }));
    assert.deepEqual(readdirSync(join(dir, 'pages')).filter((f) => f.endsWith('.json')).sort(), pages1.sort(),
      'no new page when nothing changed');
    const del = await api('DELETE', `/units/${t.p}-CT`, { token: t.admin, headers: { 'If-Match': '"1"' } });
    assert.equal(del.status, 204, del.text);
    ran(await syncSh([dir], { token: t.admin, env }));
    const state2 = readFileSync(join(dir, 'state'), 'utf8').trim();
    assert.ok(Number(state2) > Number(state1));
    const last = JSON.parse(readFileSync(join(dir, 'pages', `${state2}.json`), 'utf8'));
    assert.deepEqual(last.items.filter((c) => c.resource === 'unit').map((c) => [c.key, c.op]), [[`${t.p}-CT`, 'delete']]);
  });
});

describe('push', () => {
  // The report values CSV: one row per report (plan by its issuing unit,
  // number and year; reporting unit; period), indicator and sex.
  test('a CSV of report values through bdg import: dry run, then import; a bad row rejects the file (6)', async (t) => {
    const tok = await mint(newPrefix());
    const bulk = await api('POST', '/bulk?dry_run=true', { token: tok, body: {}, validate: false });
    if (bulk.status === 404) {
      t.todo('bulk endpoint not yet served');
      return;
    }
    const csvRoute = await api('POST', '/bulk/report_values?dry_run=true', { token: tok, raw: 'indicator\n', headers: { 'content-type': 'text/csv' }, validate: false });
    if (csvRoute.status === 404) {
      t.todo('POST /bulk/report_values (CSV import of report values) not yet served');
      return;
    }
    const tr = await tree();
    const number = `12/KH-${tr.p}`;
    const plan = await api('POST', '/plans', {
      token: tr.admin,
      body: { unit: tr.p, number, year: 2024, issued_on: '2024-01-15', title: 'Kế hoạch bình đẳng giới năm 2024',
        recipients: [`${tr.p}-VC`], reporting: [{ period: '2024-H1', due_on: '2024-05-25' }] },
      validate: false,
    });
    assert.equal(plan.status, 201, plan.text);
    // Reports are made on issued plans: one activity, then issue.
    const act = await api('POST', `/plans/${plan.body.id}/activities`, {
      token: tr.admin, body: { section: 'II.1', category: 'communication', title: 'Truyền thông về bình đẳng giới' }, validate: false,
    });
    assert.equal(act.status, 201, act.text);
    const cur = await api('GET', `/plans/${plan.body.id}`, { token: tr.admin, validate: false });
    const issued = await api('POST', `/plans/${plan.body.id}/issue`, {
      token: tr.admin, headers: { 'If-Match': cur.headers.get('etag') }, validate: false,
    });
    assert.equal(issued.status, 200, issued.text);
    const ind = await api('GET', '/indicators?limit=500', { token: tr.admin, validate: false });
    const count = ind.body.items.find((i) => i.measure === 'count' && !i.sex_disaggregated);
    assert.ok(count, 'a count indicator in the catalogue');
    const header = 'plan_unit,plan_number,plan_year,unit,period,indicator,sex,value';
    const good = join(work, 'values.csv');
    writeFileSync(good, `\ufeff${header}\r\n${tr.p},${number},2024,${tr.p}-VC,2024-H1,${count.code},total,12\r\n`);
    const dir = join(work, 'push');
    const r = ran(await syncSh([dir, good], { token: tr.admin }));
    assert.match(r.stdout, /dry run/);
    assert.match(r.stdout, /^report_values\s+1\s+0\s+0\s+0$/m);

    const badFile = join(work, 'bad.csv');
    writeFileSync(badFile, `${header}\n${tr.p},${number},2024,${tr.p}-VC,2024-H1,${count.code},total,-5\n`);
    const bad = await syncSh([dir, badFile], { token: tr.admin });
    assert.equal(bad.code, 6, bad.stderr);
    assert.match(bad.stderr, /\/rows\/2\/value/);
  });
});
