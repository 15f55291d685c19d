-- bulkplan.sql: the plan that step 7's bulk import reports on: the
-- province :'root' issues plan "2/KH-<root>" of 2025 to its first :n
-- communes (by code), with an annual reporting entry '2025'. Through the
-- schema's triggers, like reports.sql.
-- The :nind indicators BENCH-Inn are created when missing (reports.sql's).
-- psql -v root=P10K -v n=1667 -v nind=20 -f bulkplan.sql (as the role bdg).
\set ON_ERROR_STOP 1
BEGIN;
SELECT set_config('app.sub', 'bench-generator', true), set_config('app.role', 'admin', true),
	set_config('app.unit', :'root', true) \g /dev/null
INSERT INTO bdg.indicator (code, name, measure, sex_disaggregated, aggregation, unit_of_measure)
SELECT format('BENCH-I%s', lpad(i::text, 2, '0')), format('Chỉ tiêu thử nghiệm số %s', i), 'count', true, 'sum', 'người'
FROM generate_series(1, :nind) AS i
ON CONFLICT (code) DO NOTHING;
CREATE TEMP TABLE g_plan ON COMMIT DROP AS
WITH p AS (
	INSERT INTO bdg.plan (unit_id, number, year, issued_on, title, objectives)
	SELECT id, '2/KH-' || code, 2025, '2025-04-01', 'Kế hoạch thu thập số liệu (benchmark, bulk)', '{"Benchmark"}'
	FROM bdg.unit WHERE code = :'root'
	RETURNING id)
SELECT id FROM p;
INSERT INTO bdg.plan_recipient (plan_id, unit_id)
SELECT (SELECT id FROM g_plan), c.id
FROM bdg.unit c
WHERE c.path <@ bdg.unit_path(:'root') AND c.kind = 'commune'
ORDER BY c.code LIMIT :n;
INSERT INTO bdg.plan_reporting (plan_id, period, due_on, data_from, data_to)
SELECT id, '2025', '2025-12-01', '2024-12-15', '2025-12-14' FROM g_plan;
UPDATE bdg.plan SET status = 'issued' WHERE id = (SELECT id FROM g_plan);
SELECT count(*) FROM bdg.plan_recipient WHERE plan_id = (SELECT id FROM g_plan);
COMMIT;
