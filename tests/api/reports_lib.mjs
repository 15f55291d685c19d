// reports_lib.mjs: what the reports tests (reports_*.test.mjs) share.
//
// * rapi(): lib.mjs's api() (answers checked against openapi.yaml);
// * an organisation of fresh units per test (makeOrg) and plans written
//   with psql as user bdg on the test cluster, in one transaction with
//   app.sub = 'test': inserted as a draft, recipients, reporting entries
//   and activities added, then issued (makePlan) — the way demo.sql loads
//   plans, independent of the plans API;
// * the test clock (bdg.test_clock, a row per unit: only these tests write
//   it, for the units they created);
// * tokens by role for a unit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

import { api, adminOf, createUnit, newPrefix, pgTarget, ROOT, token } from './lib.mjs';

// ---- the contract ---------------------------------------------------------

// lib.mjs's api() checks every answer against openapi.yaml.
export const rapi = api;

// ---- tokens -----------------------------------------------------------------

export const as = {
  viewer: (unit) => token({ sub: `viewer-${unit}`, unit, role: 'viewer' }),
  editor: (unit) => token({ sub: `editor-${unit}`, unit, role: 'editor' }),
  approver: (unit) => token({ sub: `approver-${unit}`, unit, role: 'approver' }),
  admin: (unit) => token({ sub: `admin-${unit}`, unit, role: 'admin' }),
};

// ---- psql -------------------------------------------------------------------

// Run a psql script (stdin) as user bdg; vars become psql variables (:'name').
// Resolves with the last non-empty line of output.
export function psql(script, vars = {}) {
  const { host, port } = pgTarget();
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', 'bdg', '-d', 'bdg'];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  return new Promise((ok, fail) => {
    const child = execFile('psql', args, { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`psql: ${stderr || err.message}`));
      const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      ok(lines.length ? lines[lines.length - 1] : '');
    });
    child.stdin.end(script);
  });
}

// One JSON value from a query.
export async function sqlJson(query, vars = {}) {
  const out = await psql(`SELECT coalesce((${query})::text, 'null');\n`, vars);
  return JSON.parse(out);
}

// ---- an organisation ------------------------------------------------------------

// Fresh units under a new prefix P:
//   P (province)
//   ├── P-SYT (department)             issues the plans of the tests
//   │   ├── P-SYT-A (public service)    recipient
//   │   ├── P-SYT-B (public service)    recipient
//   │   │   └── P-SYT-B-K (division)     a subunit of a recipient
//   │   └── P-SYT-C (public service)    recipient (often missing)
//   └── P-HT (district)                 a sibling of P-SYT
//       └── P-HT-X (commune)
export async function makeOrg() {
  const p = newPrefix();
  const u = {
    root: p, SYT: `${p}-SYT`, A: `${p}-SYT-A`, B: `${p}-SYT-B`, BK: `${p}-SYT-B-K`, C: `${p}-SYT-C`,
    HT: `${p}-HT`, HTX: `${p}-HT-X`,
  };
  const admin = adminOf(p);
  const mk = (code, name, kind, parent) => createUnit(admin, { code, name, kind, ...(parent ? { parent } : {}) });
  await mk(u.root, 'Ủy ban nhân dân tỉnh Thừa Thiên Huế', 'province');
  await mk(u.SYT, 'Sở Y tế tỉnh Thừa Thiên Huế', 'department', u.root);
  await mk(u.HT, 'Ủy ban nhân dân thị xã Hương Trà', 'district', u.root);
  await mk(u.A, 'Trung tâm Kiểm soát bệnh tật tỉnh', 'public_service_unit', u.SYT);
  await mk(u.B, 'Trung tâm Y tế huyện Vân Canh', 'public_service_unit', u.SYT);
  await mk(u.C, 'Trung tâm Y tế huyện Phú Lộc', 'public_service_unit', u.SYT);
  await mk(u.BK, 'Khoa Khám bệnh, Trung tâm Y tế huyện Vân Canh', 'division', u.B);
  await mk(u.HTX, 'Ủy ban nhân dân phường Tứ Hạ', 'commune', u.HT);
  return { ...u, prefix: p, admin };
}

// An issued plan of `issuer` addressed to `recipients`, with reporting
// entries {period: due_on} and three activities; parent: a plan it
// implements. Returns {id, activities: [ids in section order]}.
export async function makePlan({ issuer, recipients, reporting = { '2024-H1': '2024-05-25', 2024: '2024-11-25' },
  year = 2024, parent = null, status = 'issued', title = 'Kế hoạch thực hiện công tác bình đẳng giới năm 2024' }) {
  const script = `
BEGIN;
SELECT set_config('app.sub', 'test', true) AS x \\gset
INSERT INTO bdg.plan (unit_id, year, title, place, parent_plan_id)
VALUES ((SELECT id FROM bdg.unit WHERE code = :'issuer'), :'year'::int, :'title', 'Thừa Thiên Huế',
        nullif(:'parent', '')::bigint)
RETURNING id AS pid \\gset
INSERT INTO bdg.plan_recipient (plan_id, unit_id)
SELECT :pid, u.id FROM bdg.unit u WHERE u.code = ANY (string_to_array(nullif(:'recipients', ''), ','));
INSERT INTO bdg.plan_reporting (plan_id, period, due_on)
SELECT :pid, split_part(x, '=', 1), split_part(x, '=', 2)::date
FROM unnest(string_to_array(nullif(:'reporting', ''), ',')) AS x;
INSERT INTO bdg.activity (plan_id, section, category, title) VALUES
  (:pid, 'II.1', 'communication', 'Truyền thông nâng cao nhận thức, thay đổi hành vi về bình đẳng giới'),
  (:pid, 'II.2', 'capacity_building', 'Tập huấn nâng cao năng lực cho cán bộ làm công tác bình đẳng giới'),
  (:pid, 'II.5', 'action_month', 'Tổ chức Tháng hành động vì bình đẳng giới từ 15/11 đến 15/12');
UPDATE bdg.plan SET status = :'status' WHERE id = :pid AND :'status' <> 'draft';
COMMIT;
SELECT json_build_object('id', :pid, 'activities',
  (SELECT json_agg(a.id ORDER BY a.section_key, a.id) FROM bdg.activity a WHERE a.plan_id = :pid));
`;
  const out = await psql(script, {
    issuer, year: String(year), title, parent: parent ? String(parent) : '', recipients: recipients.join(','),
    reporting: Object.entries(reporting).map(([k, v]) => `${k}=${v}`).join(','), status,
  });
  return JSON.parse(out);
}

// The submission clock of a unit (bdg.test_clock), or back to now() (null).
export async function setClock(unit, at) {
  if (at === null) {
    await psql(`DELETE FROM bdg.test_clock WHERE unit_id = (SELECT id FROM bdg.unit WHERE code = :'unit');\n`, { unit });
    return;
  }
  await psql(`INSERT INTO bdg.test_clock (unit_id, at) SELECT id, :'at'::timestamptz FROM bdg.unit WHERE code = :'unit'
ON CONFLICT (unit_id) DO UPDATE SET at = EXCLUDED.at;\n`, { unit, at });
}

// ---- reports ----------------------------------------------------------------------

export async function createReport(tok, body, headers = {}) {
  const res = await rapi('POST', '/reports', { token: tok, body, headers });
  assert.equal(res.status, 201, `creating a report: ${res.text}`);
  return res.body;
}

// A report of `unit` on plan for period, with values, submitted by the unit's
// approver, then accepted / returned by the issuer's approver when asked.
export async function fileReport({ plan, unit, period = '2024-H1', values = [], activity_results = [], to,
  final = 'submitted', texts = {} }) {
  const r = await createReport(as.editor(unit), { plan, unit, period, values, activity_results, ...texts });
  let res = await rapi('POST', `/reports/${r.id}/submit`, { token: as.approver(unit) });
  assert.equal(res.status, 200, res.text);
  if (final === 'accepted') {
    res = await rapi('POST', `/reports/${r.id}/accept`, { token: as.approver(to) });
    assert.equal(res.status, 200, res.text);
  } else if (final === 'returned') {
    res = await rapi('POST', `/reports/${r.id}/return`, { token: as.approver(to), body: { reason: 'Thiếu số liệu' } });
    assert.equal(res.status, 200, res.text);
  }
  return res.body;
}

// A fresh indicator (count, or as given) only this test uses.
export async function makeIndicator({ aggregation = 'sum', sexDisaggregated = true, measure = 'count' } = {}) {
  const code = `${newPrefix()}-${aggregation.toUpperCase()}`;
  await psql(`BEGIN; SELECT set_config('app.sub', 'test', true) AS x \\gset
INSERT INTO bdg.indicator (code, name, measure, sex_disaggregated, aggregation, unit_of_measure)
VALUES (:'code', 'Chỉ tiêu thử ' || :'code', :'measure', :'sd'::boolean, :'agg', 'người');
COMMIT;\n`, { code, measure, sd: String(sexDisaggregated), agg: aggregation });
  return code;
}

export { adminOf, newPrefix };
