// schema_indexes.test.mjs: every foreign key of schema bdg has an index
// that leads with its column (migrations/019_foreign_key_indexes.sql).
// Deleting a referenced row looks for the rows that still name it, once per
// foreign key: without such an index that is a sequential scan of the
// referencing table, and a delete grows slower as the data grows. The only
// exceptions are keys inside the indicator catalogue (a few dozen rows).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';

import { pgTarget, sql } from './lib.mjs';

const SMALL = new Set(['indicator.numerator_id', 'indicator.denominator_id']);

test('every foreign key of bdg has an index leading with its column', async () => {
  const keys = await sql(`
    SELECT c.conrelid::regclass::text AS tbl, c.conname, a.attname AS col,
      EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]) AS indexed
    FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.connamespace = 'bdg'::regnamespace ORDER BY 1, 2`);
  assert.ok(keys.length >= 10, `the schema's foreign keys: ${JSON.stringify(keys)}`);
  const missing = keys.filter((k) => !k.indexed && !SMALL.has(`${k.tbl.replace(/^bdg\./, '')}.${k.col}`));
  assert.deepEqual(missing, [], 'foreign keys without an index on their column');
  for (const k of ['unit.successor_id', 'plan.superseded_by_id']) {
    assert.ok(keys.some((x) => `${x.tbl.replace(/^bdg\./, '')}.${x.col}` === k && x.indexed), `${k} is indexed`);
  }
});

// The lookup a foreign key makes when a unit or a plan is deleted, planned
// with sequential scans ruled out: the partial indexes must serve it
// (successor_id = $1 implies successor_id IS NOT NULL).
test('the lookups of a unit or plan delete can use the partial indexes', async () => {
  const { host, port } = pgTarget();
  const explain = (q) => new Promise((ok, fail) => {
    const child = execFile('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', 'bdg', '-d', 'bdg'],
      { timeout: 10000 }, (err, stdout, stderr) => (err ? fail(new Error(stderr || err.message)) : ok(stdout)));
    child.stdin.end(`SET enable_seqscan = off; PREPARE q(bigint) AS ${q}; EXPLAIN (COSTS OFF) EXECUTE q(42);\n`);
  });
  assert.match(await explain('SELECT 1 FROM ONLY bdg.unit x WHERE $1 = successor_id FOR KEY SHARE OF x'), /unit_successor_idx/);
  assert.match(await explain('SELECT 1 FROM ONLY bdg.plan x WHERE $1 = superseded_by_id FOR KEY SHARE OF x'), /plan_superseded_by_idx/);
});
