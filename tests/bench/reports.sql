-- reports.sql: the benchmark's province at work, written with SQL through
-- the schema's own triggers (so every rule and the audit trail hold): for
-- the province :'root' (units loaded already: root → districts →
-- communes) and the year 2025,
--   * :nind count indicators by sex (BENCH-I01 …), created when missing;
--   * the province's plan addressed to its districts, and each district's
--     plan implementing it addressed to its communes, with an annual
--     reporting entry '2025', issued;
--   * every recipient's annual report with every indicator by sex
--     (female, male, total = female + male), submitted and accepted.
-- psql -v root=P10K -v nind=20 -f reports.sql (as the role bdg). One
-- transaction; prints the number of reports and values written.
\set ON_ERROR_STOP 1
BEGIN;
SELECT set_config('app.sub', 'bench-generator', true), set_config('app.role', 'admin', true),
	set_config('app.unit', :'root', true) \g /dev/null

INSERT INTO bdg.indicator (code, name, measure, sex_disaggregated, aggregation, unit_of_measure)
SELECT format('BENCH-I%s', lpad(i::text, 2, '0')), format('Chỉ tiêu thử nghiệm số %s', i), 'count', true, 'sum', 'người'
FROM generate_series(1, :nind) AS i
ON CONFLICT (code) DO NOTHING;

CREATE TEMP TABLE g_unit ON COMMIT DROP AS
SELECT u.id, u.code, u.parent_id, nlevel(u.path) - nlevel(r.path) AS depth
FROM bdg.unit u JOIN bdg.unit r ON r.code = :'root' AND u.path <@ r.path;

CREATE TEMP TABLE g_plan (id bigint, unit_id bigint) ON COMMIT DROP;
WITH p AS (
	INSERT INTO bdg.plan (unit_id, number, year, issued_on, title, objectives)
	SELECT id, '1/KH-' || code, 2025, '2025-02-01',
		'Kế hoạch thực hiện công tác bình đẳng giới năm 2025 (benchmark)', '{"Benchmark"}'
	FROM g_unit WHERE depth = 0
	RETURNING id, unit_id)
INSERT INTO g_plan SELECT * FROM p;
WITH p AS (
	INSERT INTO bdg.plan (unit_id, number, year, issued_on, title, objectives, parent_plan_id)
	SELECT d.id, '1/KH-' || d.code, 2025, '2025-03-01',
		'Kế hoạch của huyện thực hiện kế hoạch của tỉnh (benchmark)', '{"Benchmark"}',
		(SELECT id FROM g_plan)
	FROM g_unit d WHERE d.depth = 1
	RETURNING id, unit_id)
INSERT INTO g_plan SELECT * FROM p;

INSERT INTO bdg.plan_recipient (plan_id, unit_id)
SELECT p.id, c.id FROM g_plan p JOIN g_unit c ON c.parent_id = p.unit_id;
INSERT INTO bdg.plan_reporting (plan_id, period, due_on, data_from, data_to)
SELECT id, '2025', '2025-12-01', '2024-12-15', '2025-12-14' FROM g_plan;
UPDATE bdg.plan SET status = 'issued' WHERE id IN (SELECT id FROM g_plan);

CREATE TEMP TABLE g_report ON COMMIT DROP AS
WITH r AS (
	INSERT INTO bdg.report (plan_id, unit_id, period, results)
	SELECT pr.plan_id, pr.unit_id, '2025', 'Đã triển khai đầy đủ các hoạt động (benchmark).'
	FROM bdg.plan_recipient pr WHERE pr.plan_id IN (SELECT id FROM g_plan)
	RETURNING id)
SELECT id FROM r;

INSERT INTO bdg.report_value (report_id, indicator_id, sex, value)
SELECT r.id, i.id, s.sex,
	CASE s.sex WHEN 'female' THEN f WHEN 'male' THEN m ELSE f + m END
FROM g_report r
CROSS JOIN (SELECT id FROM bdg.indicator WHERE code LIKE 'BENCH-I%' ORDER BY code LIMIT :nind) i
CROSS JOIN LATERAL (SELECT (r.id * 7 + i.id * 13) % 50 AS f, (r.id * 11 + i.id * 5) % 40 AS m) v
CROSS JOIN (VALUES ('female'), ('male'), ('total')) AS s (sex);

UPDATE bdg.report SET status = 'submitted' WHERE id IN (SELECT id FROM g_report);
UPDATE bdg.report SET status = 'accepted' WHERE id IN (SELECT id FROM g_report);

SELECT (SELECT count(*) FROM g_report) AS reports,
	(SELECT count(*) FROM bdg.report_value WHERE report_id IN (SELECT id FROM g_report)) AS report_values;
COMMIT;
