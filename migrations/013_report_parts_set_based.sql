-- 013_report_parts_set_based.sql: the rules on a report's activity results
-- and values checked once per statement instead of once per row, and the
-- reports they touch re-rendered once per statement, so that a bulk import
-- of 100,000 values costs a few set-based queries instead of 100,000
-- trigger calls (tests/bench step 7, tests/bench/README.md).
--
-- What 008 checked per row (bdg.report_part_before), now per statement in
-- bdg.report_part_after over the transition tables, with the same messages:
--   * the report of every row written or removed is a draft or returned
--     (BD409);
--   * an activity result names an activity of the report's plan;
--   * a value fits its indicator: entered (not computed), the sex its
--     disaggregation allows, whole counts, percents 0-100;
--   * a value's period is its report's.
-- Per row there remain two triggers whose WHEN clause is a plain
-- expression, so that a row that needs nothing costs no function call:
--   * report_value_fill: a writer that leaves period out (or sends a value
--     with trailing zeros) gets the report's period (and trim_scale);
--   * report_value_stay, report_activity_stay: a row moved to another
--     report is refused.
-- report_value's two foreign keys (to its report, ON DELETE CASCADE, and
-- to its indicator) become set-based too: a foreign key checks and locks
-- the referenced row once per row written (an SPI query each: about 1 s of
-- the 100,000-value import), bdg.report_value_refs checks and locks the
-- distinct reports and indicators of the statement once, FOR KEY SHARE as
-- the foreign key did, and raises the same SQLSTATE (23503) naming the same
-- constraint (lib/constraint.c); deleting a report deletes its values, and
-- deleting an indicator (or changing an id) that values name is refused,
-- by triggers on bdg.report and bdg.indicator. Under READ COMMITTED (bdg's
-- only isolation level) each check runs with a fresh snapshot after the
-- lock, so it sees what a concurrent writer committed, as the keys did.
-- bdg.report_changed folds the change into this transaction's audit row
-- of each report, or bumps the others, with one statement each instead of
-- one loop turn per report. Single writes (bdg.report_set_values, 008) are
-- unchanged: their rows get the period from report_value_fill; the bulk
-- step writes it itself.

-- Per row, only when needed ------------------------------------------------------

CREATE FUNCTION bdg.report_value_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.period := coalesce((SELECT period FROM bdg.report WHERE id = NEW.report_id), '');
	NEW.value := trim_scale(NEW.value);
	RETURN NEW;
END $$;

CREATE FUNCTION bdg.report_part_stay() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bdg.fail('BD422', format('%s cannot move to another report',
		CASE TG_TABLE_NAME WHEN 'report_value' THEN 'values' ELSE 'activity results' END));
	RETURN NULL;
END $$;

DROP TRIGGER report_value_before ON bdg.report_value;
DROP TRIGGER report_activity_before ON bdg.report_activity;
DROP FUNCTION bdg.report_part_before();

CREATE TRIGGER report_value_fill BEFORE INSERT OR UPDATE ON bdg.report_value
	FOR EACH ROW WHEN (NEW.period IS NULL OR scale(NEW.value) > min_scale(NEW.value))
	EXECUTE FUNCTION bdg.report_value_fill();
CREATE TRIGGER report_value_stay BEFORE UPDATE ON bdg.report_value
	FOR EACH ROW WHEN (NEW.report_id <> OLD.report_id)
	EXECUTE FUNCTION bdg.report_part_stay();
CREATE TRIGGER report_activity_stay BEFORE UPDATE ON bdg.report_activity
	FOR EACH ROW WHEN (NEW.report_id <> OLD.report_id)
	EXECUTE FUNCTION bdg.report_part_stay();

-- The foreign keys of report_value, per statement -----------------------------------

ALTER TABLE bdg.report_value DROP CONSTRAINT report_value_report_id_fkey,
	DROP CONSTRAINT report_value_indicator_id_fkey;

-- The error a foreign key raises.
CREATE FUNCTION bdg.fkey_fail(cons text, tbl text, msg text, detail text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = cons, SCHEMA = 'bdg',
		TABLE = tbl, MESSAGE = msg, DETAIL = detail;
END $$;

-- The reports and indicators that a statement's values name exist; they
-- are locked FOR KEY SHARE until the transaction ends, as a foreign key
-- locks them, so that neither is deleted under the values.
CREATE FUNCTION bdg.report_value_refs(reports bigint[], indicators bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	missing bigint;
BEGIN
	PERFORM 1 FROM bdg.report WHERE id = ANY (reports) ORDER BY id FOR KEY SHARE;
	SELECT k.id INTO missing FROM unnest(reports) AS k (id)
	WHERE NOT EXISTS (SELECT 1 FROM bdg.report r WHERE r.id = k.id) LIMIT 1;
	IF FOUND THEN
		PERFORM bdg.fkey_fail('report_value_report_id_fkey', 'report_value',
			'insert or update on table "report_value" violates foreign key constraint "report_value_report_id_fkey"',
			format('Key (report_id)=(%s) is not present in table "report".', missing));
	END IF;
	PERFORM 1 FROM bdg.indicator WHERE id = ANY (indicators) ORDER BY id FOR KEY SHARE;
	SELECT k.id INTO missing FROM unnest(indicators) AS k (id)
	WHERE NOT EXISTS (SELECT 1 FROM bdg.indicator i WHERE i.id = k.id) LIMIT 1;
	IF FOUND THEN
		PERFORM bdg.fkey_fail('report_value_indicator_id_fkey', 'report_value',
			'insert or update on table "report_value" violates foreign key constraint "report_value_indicator_id_fkey"',
			format('Key (indicator_id)=(%s) is not present in table "indicator".', missing));
	END IF;
END $$;

-- ON DELETE CASCADE: the values of the reports deleted.
CREATE FUNCTION bdg.report_value_cascade() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM bdg.report_value v USING old_rows o WHERE v.report_id = o.id;
	RETURN NULL;
END $$;

CREATE TRIGGER report_value_cascade AFTER DELETE ON bdg.report
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.report_value_cascade();

-- No action: an indicator that values name is not deleted.
CREATE FUNCTION bdg.indicator_value_restrict() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	used bigint;
BEGIN
	SELECT o.id INTO used FROM old_rows o
	WHERE EXISTS (SELECT 1 FROM bdg.report_value v WHERE v.indicator_id = o.id) LIMIT 1;
	IF FOUND THEN
		PERFORM bdg.fkey_fail('report_value_indicator_id_fkey', 'indicator',
			'update or delete on table "indicator" violates foreign key constraint '
			'"report_value_indicator_id_fkey" on table "report_value"',
			format('Key (id)=(%s) is still referenced from table "report_value".', used));
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER indicator_value_restrict AFTER DELETE ON bdg.indicator
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.indicator_value_restrict();

-- Ids never change; the id of a report or an indicator that values name
-- cannot.
CREATE FUNCTION bdg.report_value_id_stays() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM bdg.report_value v
	           WHERE CASE TG_TABLE_NAME WHEN 'report' THEN v.report_id ELSE v.indicator_id END = OLD.id) THEN
		PERFORM bdg.fkey_fail(format('report_value_%s_id_fkey', TG_TABLE_NAME), TG_TABLE_NAME,
			format('update or delete on table "%s" violates foreign key constraint "report_value_%s_id_fkey" '
				'on table "report_value"', TG_TABLE_NAME, TG_TABLE_NAME),
			format('Key (id)=(%s) is still referenced from table "report_value".', OLD.id));
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER report_value_id_stays BEFORE UPDATE ON bdg.report
	FOR EACH ROW WHEN (NEW.id <> OLD.id) EXECUTE FUNCTION bdg.report_value_id_stays();
CREATE TRIGGER report_value_id_stays BEFORE UPDATE ON bdg.indicator
	FOR EACH ROW WHEN (NEW.id <> OLD.id) EXECUTE FUNCTION bdg.report_value_id_stays();

-- Per statement ------------------------------------------------------------------

-- After each statement on report_activity or report_value: the rules of
-- the rows it wrote (new_rows) and removed (old_rows), raising the first
-- broken one with 008's messages; for values, each sex-disaggregated
-- indicator of the reports touched has female and male, and a count's
-- total is their sum; then bdg.report_changed. A report being deleted
-- (gone already when its children cascade) is not checked; a missing
-- activity is its foreign key's (it runs first), a missing report or
-- indicator of a value bdg.report_value_refs's.
CREATE OR REPLACE FUNCTION bdg.report_part_after() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	what text := CASE TG_TABLE_NAME WHEN 'report_value' THEN 'values' ELSE 'activity results' END;
	ids bigint[];
	r bdg.report;
	bad record;
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(x.report_id) INTO ids FROM (SELECT report_id FROM new_rows GROUP BY report_id) x;
	ELSIF TG_OP = 'UPDATE' THEN
		SELECT array_agg(x.report_id) INTO ids
		FROM (SELECT report_id FROM new_rows UNION SELECT report_id FROM old_rows) x;
	ELSE
		SELECT array_agg(x.report_id) INTO ids FROM (SELECT report_id FROM old_rows GROUP BY report_id) x;
	END IF;
	IF ids IS NULL THEN
		RETURN NULL;
	END IF;
	IF TG_TABLE_NAME = 'report_value' AND TG_OP <> 'DELETE' THEN
		PERFORM bdg.report_value_refs(ids,
			(SELECT array_agg(x.indicator_id) FROM (SELECT indicator_id FROM new_rows GROUP BY indicator_id) x));
	END IF;
	SELECT * INTO r FROM bdg.report
	WHERE id = ANY (ids) AND status NOT IN ('draft', 'returned') ORDER BY id LIMIT 1;
	IF FOUND THEN
		PERFORM bdg.fail('BD409', format('report %s is %s: its %s can no longer be changed',
			bdg.report_label(r), r.status, what));
	END IF;

	IF TG_TABLE_NAME = 'report_activity' AND TG_OP <> 'DELETE' THEN
		SELECT n.activity_id INTO bad FROM new_rows n JOIN bdg.report rp ON rp.id = n.report_id
		WHERE NOT EXISTS (SELECT 1 FROM bdg.activity a WHERE a.id = n.activity_id AND a.plan_id = rp.plan_id)
		LIMIT 1;
		IF FOUND THEN
			PERFORM bdg.fail('BD422', format('activity %s is not an activity of the report''s plan',
				bad.activity_id), '/activity_results');
		END IF;
	ELSIF TG_TABLE_NAME = 'report_value' AND TG_OP <> 'DELETE' THEN
		-- (Grouped first, by hash: one row per indicator, one per report.)
		SELECT CASE
			WHEN i.aggregation = 'ratio' THEN format('indicator %s is computed (%s): enter its parts instead',
				i.code, bdg.indicator_formula(i))
			WHEN NOT i.sex_disaggregated AND n.sexed THEN
				format('indicator %s is not disaggregated by sex: its sex is "total"', i.code)
			WHEN i.measure = 'count' AND n.fraction THEN
				format('indicator %s is a count: its value is a whole number', i.code)
			ELSE format('indicator %s is a percent: its value is between 0 and 100', i.code) END AS message
		INTO bad
		FROM (SELECT indicator_id, bool_or(sex <> 'total') AS sexed, bool_or(value <> trunc(value)) AS fraction,
		             max(value) AS top
		      FROM new_rows GROUP BY indicator_id) n
		JOIN bdg.indicator i ON i.id = n.indicator_id
		WHERE i.aggregation = 'ratio' OR (NOT i.sex_disaggregated AND n.sexed)
			OR (i.measure = 'count' AND n.fraction) OR (i.measure = 'percent' AND n.top > 100)
		ORDER BY i.code LIMIT 1;
		IF NOT FOUND THEN
			SELECT format('the period of a value is its report''s (%s)', rp.period) AS message INTO bad
			FROM (SELECT report_id, period FROM new_rows GROUP BY report_id, period) n
			JOIN bdg.report rp ON rp.id = n.report_id
			WHERE n.period <> rp.period LIMIT 1;
		END IF;
		IF FOUND THEN
			PERFORM bdg.fail('BD422', bad.message, '/values');
		END IF;
	END IF;

	IF TG_TABLE_NAME = 'report_value' THEN
		SELECT i.code, i.measure, x.f, x.m, x.t INTO bad
		FROM (SELECT v.report_id, v.indicator_id,
		             max(v.value) FILTER (WHERE v.sex = 'female') AS f,
		             max(v.value) FILTER (WHERE v.sex = 'male') AS m,
		             max(v.value) FILTER (WHERE v.sex = 'total') AS t
		      FROM bdg.report_value v WHERE v.report_id = ANY (ids)
		      GROUP BY v.report_id, v.indicator_id) x
		JOIN bdg.indicator i ON i.id = x.indicator_id
		WHERE i.sex_disaggregated AND (x.f IS NULL OR x.m IS NULL
		      OR (i.measure = 'count' AND x.t IS DISTINCT FROM x.f + x.m))
		LIMIT 1;
		IF FOUND THEN
			IF bad.f IS NULL OR bad.m IS NULL THEN
				PERFORM bdg.fail('BD422', format('indicator %s is disaggregated by sex: it takes female and male',
					bad.code), '/values');
			END IF;
			PERFORM bdg.fail('BD422', format('the total of %s must be female + male = %s', bad.code,
				bad.f + bad.m), '/values');
		END IF;
	END IF;
	PERFORM bdg.report_changed(ids);
	RETURN NULL;
END $$;

-- The activity results or values of these reports changed: fold the change
-- into this transaction's audit row of the report (one UPDATE of the audit
-- rows), or bump the others (one UPDATE, in id order as 008's loop locked
-- them), so that each report gets one version and one revision.
CREATE OR REPLACE FUNCTION bdg.report_changed(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	revs bigint[];
	bump bigint[];
BEGIN
	SELECT array_agg(m.rev) FILTER (WHERE m.rev IS NOT NULL), array_agg(m.id ORDER BY m.id) FILTER (WHERE m.rev IS NULL)
	INTO revs, bump
	FROM (SELECT r.id, bdg.audit_mine('report', r.id) AS rev FROM bdg.report r WHERE r.id = ANY (ids)) m;
	IF revs IS NOT NULL THEN
		UPDATE bdg.audit a SET after = bdg.report_doc(r)
		FROM bdg.report r WHERE a.revision = ANY (revs) AND r.id = a.resource_id;
	END IF;
	IF bump IS NOT NULL THEN
		PERFORM 1 FROM bdg.report WHERE id = ANY (bump) ORDER BY id FOR UPDATE;
		UPDATE bdg.report SET children_rev = children_rev + 1 WHERE id = ANY (bump);
	END IF;
END $$;

-- The reports step of the bulk import: 010's, but for the writing of the
-- values at its end (see there), the statistics target of its work tables,
-- and bulk_rw analyzed again only when derived totals were added to it.
CREATE OR REPLACE FUNCTION bdg.bulk_run_reports(actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	apath ltree := bdg.unit_path(actor);
	errs jsonb;
	total int;
	created int := 0;
	updated int := 0;
	vcounts jsonb;
	n int;
BEGIN
	-- The work tables are analyzed on a sample of 3,000 rows instead of
	-- 30,000 (the setting lasts as long as the transaction, whose last
	-- step this is): their plans need row counts, not fine histograms.
	PERFORM set_config('default_statistics_target', '10', true);
	PERFORM bdg.bulk_drop('bulk_rx');
	PERFORM bdg.bulk_drop('bulk_pr');
	PERFORM bdg.bulk_drop('bulk_r');
	PERFORM bdg.bulk_drop('bulk_rv');
	PERFORM bdg.bulk_drop('bulk_ra');
	-- The items of both sections, their plans resolved once per reference.
	CREATE TEMP TABLE bulk_rx ON COMMIT DROP AS
	SELECT s.section, s.idx, s.item->'plan' AS ref, coalesce(s.item->>'unit', '') AS unit,
		coalesce(s.item->>'period', '') AS period, s.item
	FROM pg_temp.bulk_item s WHERE s.section IN ('reports', 'report_values');
	GET DIAGNOSTICS total = ROW_COUNT;
	IF total = 0 THEN
		RETURN bdg.bulk_result(0, 0, 0, NULL);
	END IF;
	CREATE TEMP TABLE bulk_pr ON COMMIT DROP AS
	SELECT x.ref, coalesce(bdg.bulk_plan_id(x.ref), 0) AS plan_id FROM (SELECT DISTINCT ref FROM pg_temp.bulk_rx) x;
	-- The reports: the items of "reports", then one per key of the
	-- "report_values" rows that no report item has (idx: its first row).
	CREATE TEMP TABLE bulk_r ON COMMIT DROP AS
	WITH items AS (
		SELECT x.section, x.idx, p.plan_id, x.unit, x.period, x.item, x.section = 'reports' AS whole
		FROM pg_temp.bulk_rx x JOIN pg_temp.bulk_pr p ON p.ref IS NOT DISTINCT FROM x.ref
		WHERE x.section = 'reports'
		UNION ALL
		SELECT 'report_values', min(x.idx), p.plan_id, x.unit, x.period, NULL, false
		FROM pg_temp.bulk_rx x JOIN pg_temp.bulk_pr p ON p.ref IS NOT DISTINCT FROM x.ref
		WHERE x.section = 'report_values'
		GROUP BY p.plan_id, x.unit, x.period)
	SELECT i.section, i.idx, i.plan_id, i.unit, i.period, i.whole,
		i.item->>'results' AS results, i.item->>'difficulties' AS difficulties,
		i.item->>'recommendations' AS recommendations,
		coalesce(jsonb_typeof(i.item->'values') = 'array', false) AS has_values,
		coalesce(jsonb_typeof(i.item->'activity_results') = 'array', false) AS has_acts,
		u.id AS unit_id, coalesce(u.path <@ apath, false) AS in_reach, r.id, r.status, r.version AS v0,
		row_number() OVER (PARTITION BY i.plan_id, i.unit, i.period ORDER BY i.section = 'reports' DESC, i.idx) > 1 AS dup
	FROM items i
	LEFT JOIN bdg.unit u ON u.code = i.unit
	LEFT JOIN bdg.report r ON r.plan_id = i.plan_id AND r.unit_id = u.id AND r.period = i.period;
	-- A "report_values" group whose key a report item has is that item.
	DELETE FROM pg_temp.bulk_r g WHERE g.section = 'report_values' AND g.dup;
	SELECT count(*) INTO total FROM pg_temp.bulk_r;
	CREATE UNIQUE INDEX ON pg_temp.bulk_r (section, idx);
	ANALYZE pg_temp.bulk_r;

	-- The values: of report items (path /values/i) and rows (its own item),
	-- each with the report it goes to.
	CREATE TEMP TABLE bulk_rv ON COMMIT DROP AS
	WITH v AS (
		SELECT x.section, x.idx, (t.i - 1)::int AS vidx, x.ref, x.unit, x.period, t.e->>'indicator' AS indicator,
			coalesce(t.e->>'sex', 'total') AS sex, (t.e->>'value')::numeric AS value
		FROM pg_temp.bulk_rx x, jsonb_array_elements(CASE WHEN jsonb_typeof(x.item->'values') = 'array'
			THEN x.item->'values' ELSE '[]' END) WITH ORDINALITY AS t(e, i)
		WHERE x.section = 'reports'
		UNION ALL
		SELECT x.section, x.idx, NULL, x.ref, x.unit, x.period, x.item->>'indicator', coalesce(x.item->>'sex', 'total'),
			(x.item->>'value')::numeric
		FROM pg_temp.bulk_rx x WHERE x.section = 'report_values')
	SELECT v.section, v.idx, v.vidx, v.indicator, v.sex, v.value, r.section AS rsection, r.idx AS ridx,
		r.id AS report_id, i.id AS indicator_id, i.measure, i.aggregation, i.sex_disaggregated, i.active,
		CASE WHEN v.vidx IS NULL THEN '' ELSE '/values/' || v.vidx END AS path
	FROM v
	JOIN pg_temp.bulk_pr p ON p.ref IS NOT DISTINCT FROM v.ref
	JOIN pg_temp.bulk_r r ON r.plan_id = p.plan_id AND r.unit = v.unit AND r.period = v.period AND NOT r.dup
	LEFT JOIN bdg.indicator i ON i.code = v.indicator;
	ANALYZE pg_temp.bulk_rv;

	-- The activity results of report items, the activity by section or id.
	CREATE TEMP TABLE bulk_ra ON COMMIT DROP AS
	SELECT r.idx, (t.i - 1)::int AS aidx, t.e->>'section' AS section, (t.e->>'activity')::bigint AS given_id,
		t.e->>'status' AS status, (t.e->>'sessions')::int AS sessions,
		(t.e->>'participants_female')::int AS participants_female,
		(t.e->>'participants_male')::int AS participants_male, t.e->>'notes' AS notes,
		(SELECT CASE WHEN count(*) = 1 THEN min(a.id) END FROM bdg.activity a
		 WHERE a.plan_id = r.plan_id AND (a.section = t.e->>'section' OR a.id = (t.e->>'activity')::bigint)) AS activity_id,
		r.id AS report_id
	FROM pg_temp.bulk_r r JOIN pg_temp.bulk_rx x ON x.section = 'reports' AND x.idx = r.idx,
		jsonb_array_elements(CASE WHEN jsonb_typeof(x.item->'activity_results') = 'array'
			THEN x.item->'activity_results' ELSE '[]' END) WITH ORDINALITY AS t(e, i)
	WHERE r.section = 'reports' AND NOT r.dup;

	SELECT jsonb_agg(e ORDER BY e->>'section', (e->>'index')::int) INTO errs FROM (
		-- The report's key and reach (as POST /reports and 008's trigger).
		SELECT bdg.bulk_err(b.idx, 'BD409', '/period', 'this report (plan, unit, period) is listed earlier in the batch')
			|| jsonb_build_object('section', b.section) AS e
		FROM pg_temp.bulk_r b WHERE b.dup
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/unit', 'no such unit within your reach')
			|| jsonb_build_object('section', b.section)
		FROM pg_temp.bulk_r b WHERE NOT b.dup AND NOT b.in_reach
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/plan', 'no such plan') || jsonb_build_object('section', b.section)
		FROM pg_temp.bulk_r b WHERE NOT b.dup AND b.in_reach AND NOT bdg.plan_visible(coalesce(b.plan_id, 0), apath)
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', x.field, x.message) || jsonb_build_object('section', b.section)
		FROM pg_temp.bulk_r b JOIN bdg.plan p ON p.id = b.plan_id,
			LATERAL (
				SELECT '/plan' AS field, format('plan %s is %s: only an issued plan is reported on',
					bdg.plan_label(p), p.status) AS message
				WHERE p.status <> 'issued'
				UNION ALL
				SELECT '/period', format('plan %s has no reporting period %s; its periods: %s', bdg.plan_label(p),
					b.period, coalesce((SELECT string_agg(e.period, ', ' ORDER BY e.data_to, e.period)
						FROM bdg.plan_reporting e WHERE e.plan_id = p.id), 'none'))
				WHERE p.status = 'issued' AND NOT EXISTS (SELECT 1 FROM bdg.plan_reporting e
					WHERE e.plan_id = p.id AND e.period = b.period)
				UNION ALL
				SELECT '/unit', format('unit %s is neither a recipient nor the issuer of plan %s', b.unit,
					bdg.plan_label(p))
				WHERE b.unit_id <> p.unit_id AND NOT EXISTS (SELECT 1 FROM bdg.plan_recipient pr
					WHERE pr.plan_id = p.id AND pr.unit_id = b.unit_id)) x
		WHERE NOT b.dup AND b.in_reach AND b.id IS NULL AND bdg.plan_visible(p, apath)
		UNION ALL
		-- Values (the messages of bdg.report_put).
		SELECT bdg.bulk_err(v.idx, 'BD422', v.path || x.field, x.message) || jsonb_build_object('section', v.section)
		FROM pg_temp.bulk_rv v, LATERAL (SELECT CASE
				WHEN v.indicator_id IS NULL OR v.aggregation = 'ratio' OR NOT v.active THEN '/indicator'
				WHEN NOT v.sex_disaggregated AND v.sex <> 'total' THEN '/sex'
				ELSE '/value' END AS field, CASE
				WHEN v.indicator_id IS NULL THEN format('no such indicator: %s', v.indicator)
				WHEN v.aggregation = 'ratio' THEN format('indicator %s is computed (%s): enter its parts instead',
					v.indicator, (SELECT bdg.indicator_formula(i) FROM bdg.indicator i WHERE i.id = v.indicator_id))
				WHEN NOT v.active THEN format('indicator %s is no longer in use', v.indicator)
				WHEN NOT v.sex_disaggregated AND v.sex <> 'total' THEN
					format('indicator %s is not disaggregated by sex: its sex is "total"', v.indicator)
				WHEN v.measure = 'count' AND v.value <> trunc(v.value) THEN
					format('indicator %s is a count: its value is a whole number', v.indicator)
				WHEN v.measure = 'percent' AND v.value > 100 THEN
					format('indicator %s is a percent: its value is between 0 and 100', v.indicator)
				END AS message) x
		WHERE (v.indicator_id IS NULL OR v.aggregation = 'ratio' OR (NOT v.sex_disaggregated AND v.sex <> 'total')
			OR (v.measure = 'count' AND v.value <> trunc(v.value)) OR (v.measure = 'percent' AND v.value > 100)
			OR (NOT v.active AND NOT EXISTS (SELECT 1 FROM bdg.report_value o
				WHERE o.report_id = v.report_id AND o.indicator_id = v.indicator_id)))
		UNION ALL
		SELECT bdg.bulk_err(v.idx, 'BD422', v.path, format('%s %s is given twice', v.indicator, v.sex))
			|| jsonb_build_object('section', v.section)
		FROM (SELECT v.*, row_number() OVER (PARTITION BY v.rsection, v.ridx, v.indicator, v.sex
			ORDER BY v.section, v.idx, v.vidx) AS k FROM pg_temp.bulk_rv v) v WHERE v.k > 1
		UNION ALL
		-- Activity results.
		SELECT bdg.bulk_err(a.idx, 'BD422', '/activity_results/' || a.aidx || CASE WHEN a.section IS NOT NULL
			THEN '/section' ELSE '/activity' END, CASE WHEN a.section IS NULL AND a.given_id IS NULL
			THEN 'give the activity by its section (or its id)'
			ELSE format('the plan has no activity %s (or several: give its id)', coalesce(a.section, a.given_id::text)) END)
			|| jsonb_build_object('section', 'reports')
		FROM pg_temp.bulk_ra a WHERE a.activity_id IS NULL
		UNION ALL
		SELECT bdg.bulk_err(a.idx, 'BD422', '/activity_results/' || a.aidx, 'this activity is given twice')
			|| jsonb_build_object('section', 'reports')
		FROM (SELECT a.*, row_number() OVER (PARTITION BY a.idx, a.activity_id ORDER BY a.aidx) AS k
		      FROM pg_temp.bulk_ra a WHERE a.activity_id IS NOT NULL) a WHERE a.k > 1
		UNION ALL
		SELECT bdg.bulk_err(a.idx, 'BD422', '/activity_results/' || a.aidx || '/status', 'must be one of: done, partly, not_done')
			|| jsonb_build_object('section', 'reports')
		FROM pg_temp.bulk_ra a WHERE a.status IS NULL OR a.status NOT IN ('done', 'partly', 'not_done')
	) x;
	IF errs IS NOT NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, errs);
	END IF;

	-- The values every report will hold: a report item's own (replacing),
	-- a row's added to the report's stored values (kept otherwise); then a
	-- sex-disaggregated count's total, when not given, is female + male.
	PERFORM bdg.bulk_drop('bulk_rw');
	CREATE TEMP TABLE bulk_rw ON COMMIT DROP AS
	SELECT v.rsection, v.ridx, v.report_id, v.indicator_id, v.sex, v.value, true AS given, v.section, v.idx, v.path
	FROM pg_temp.bulk_rv v
	UNION ALL
	SELECT r.section, r.idx, r.id, o.indicator_id, o.sex, o.value, false, NULL, NULL, NULL
	FROM pg_temp.bulk_r r JOIN bdg.report_value o ON o.report_id = r.id
	WHERE NOT r.dup AND NOT (r.whole AND r.has_values)
		AND NOT EXISTS (SELECT 1 FROM pg_temp.bulk_rv v WHERE v.report_id = o.report_id
			AND v.indicator_id = o.indicator_id AND v.sex = o.sex);
	CREATE INDEX ON pg_temp.bulk_rw (ridx, indicator_id);
	ANALYZE pg_temp.bulk_rw;
	-- Derived totals replace a stored total when female or male changed.
	DELETE FROM pg_temp.bulk_rw t USING bdg.indicator i
	WHERE i.id = t.indicator_id AND i.sex_disaggregated AND i.measure = 'count' AND t.sex = 'total' AND NOT t.given
		AND EXISTS (SELECT 1 FROM pg_temp.bulk_rw g WHERE g.rsection = t.rsection AND g.ridx = t.ridx
			AND g.indicator_id = t.indicator_id AND g.given);
	INSERT INTO pg_temp.bulk_rw (rsection, ridx, report_id, indicator_id, sex, value, given)
	SELECT w.rsection, w.ridx, min(w.report_id), w.indicator_id, 'total',
		sum(w.value) FILTER (WHERE w.sex IN ('female', 'male')), false
	FROM pg_temp.bulk_rw w JOIN bdg.indicator i ON i.id = w.indicator_id
	WHERE i.sex_disaggregated AND i.measure = 'count'
	GROUP BY w.rsection, w.ridx, w.indicator_id
	HAVING count(*) FILTER (WHERE w.sex = 'total') = 0 AND count(*) FILTER (WHERE w.sex IN ('female', 'male')) = 2;
	GET DIAGNOSTICS n = ROW_COUNT;
	IF n > 0 THEN
		ANALYZE pg_temp.bulk_rw;
	END IF;
	SELECT jsonb_agg(e) INTO errs FROM (
		SELECT bdg.bulk_err(coalesce(min(w.idx) FILTER (WHERE w.given), min(r.idx)), 'BD422',
			coalesce(min(w.path) FILTER (WHERE w.given), '') || '/sex',
			format('indicator %s is disaggregated by sex: give female and male%s', i.code,
				CASE WHEN i.measure = 'count' THEN ' (the total is their sum)' ELSE '' END))
			|| jsonb_build_object('section', coalesce(min(w.section) FILTER (WHERE w.given), min(r.section))) AS e
		FROM pg_temp.bulk_rw w JOIN bdg.indicator i ON i.id = w.indicator_id
		JOIN pg_temp.bulk_r r ON r.section = w.rsection AND r.idx = w.ridx
		WHERE i.sex_disaggregated
		GROUP BY w.rsection, w.ridx, i.id, i.code, i.measure
		HAVING count(*) FILTER (WHERE w.sex = 'female') = 0 OR count(*) FILTER (WHERE w.sex = 'male') = 0
		UNION ALL
		SELECT bdg.bulk_err(x.idx, 'BD422', x.path || '/value', format('the total of %s must be female + male = %s',
			i.code, x.s)) || jsonb_build_object('section', x.section)
		FROM (SELECT w.rsection, w.ridx, w.indicator_id,
			sum(w.value) FILTER (WHERE w.sex IN ('female', 'male')) AS s,
			count(*) FILTER (WHERE w.sex IN ('female', 'male')) AS n,
			min(w.value) FILTER (WHERE w.sex = 'total' AND w.given) AS t,
			min(w.idx) FILTER (WHERE w.sex = 'total' AND w.given) AS idx,
			min(w.path) FILTER (WHERE w.sex = 'total' AND w.given) AS path,
			min(w.section) FILTER (WHERE w.sex = 'total' AND w.given) AS section
			FROM pg_temp.bulk_rw w GROUP BY w.rsection, w.ridx, w.indicator_id) x
		JOIN bdg.indicator i ON i.id = x.indicator_id
		WHERE i.sex_disaggregated AND i.measure = 'count' AND x.n = 2 AND x.t IS NOT NULL AND x.t <> x.s
	) x;
	IF errs IS NOT NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, errs);
	END IF;
	-- Only drafts are written: a report past draft must be sent as it is.
	SELECT jsonb_agg(bdg.bulk_err(r.idx, 'BD409', NULL, format('report %s is %s: a bulk import writes drafts only, '
		'and this item differs from it', bdg.report_label(t), t.status)) || jsonb_build_object('section', r.section)
		ORDER BY r.section, r.idx) INTO errs
	FROM pg_temp.bulk_r r JOIN bdg.report t ON t.id = r.id
	WHERE t.status <> 'draft' AND NOT r.dup AND (
		(r.whole AND (t.results, t.difficulties, t.recommendations) IS DISTINCT FROM (r.results, r.difficulties, r.recommendations))
		OR EXISTS (SELECT w.indicator_id, w.sex, w.value FROM pg_temp.bulk_rw w WHERE w.report_id = t.id
		           EXCEPT SELECT o.indicator_id, o.sex, o.value FROM bdg.report_value o WHERE o.report_id = t.id)
		OR EXISTS (SELECT o.indicator_id, o.sex, o.value FROM bdg.report_value o WHERE o.report_id = t.id
		           EXCEPT SELECT w.indicator_id, w.sex, w.value FROM pg_temp.bulk_rw w WHERE w.report_id = t.id)
		OR (r.whole AND r.has_acts AND (EXISTS (
			SELECT a.activity_id, a.status, a.sessions, a.participants_female, a.participants_male, a.notes
			FROM pg_temp.bulk_ra a WHERE a.idx = r.idx
			EXCEPT SELECT o.activity_id, o.status, o.sessions, o.participants_female, o.participants_male, o.notes
			FROM bdg.report_activity o WHERE o.report_id = t.id) OR EXISTS (
			SELECT o.activity_id, o.status, o.sessions, o.participants_female, o.participants_male, o.notes
			FROM bdg.report_activity o WHERE o.report_id = t.id
			EXCEPT SELECT a.activity_id, a.status, a.sessions, a.participants_female, a.participants_male, a.notes
			FROM pg_temp.bulk_ra a WHERE a.idx = r.idx))));
	IF errs IS NOT NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, errs);
	END IF;

	-- What the rows of "report_values" do to the values they name.
	SELECT jsonb_build_object('created', count(*) FILTER (WHERE o.value IS NULL),
		'updated', count(*) FILTER (WHERE o.value <> v.value), 'unchanged', count(*) FILTER (WHERE o.value = v.value))
	INTO vcounts
	FROM pg_temp.bulk_rv v LEFT JOIN bdg.report_value o ON o.report_id = v.report_id
		AND o.indicator_id = v.indicator_id AND o.sex = v.sex
	WHERE v.section = 'report_values';

	IF bdg.bulk_diagnosing() THEN
		RETURN bdg.bulk_slow_reports();
	END IF;
	-- New reports (drafts), then the texts of stored drafts.
	WITH ins AS (
		INSERT INTO bdg.report (plan_id, unit_id, period, results, difficulties, recommendations)
		SELECT r.plan_id, r.unit_id, r.period, r.results, r.difficulties, r.recommendations
		FROM pg_temp.bulk_r r WHERE r.id IS NULL AND NOT r.dup ORDER BY r.section, r.idx
		RETURNING id, plan_id, unit_id, period)
	UPDATE pg_temp.bulk_r r SET id = ins.id, status = 'draft'
	FROM ins WHERE ins.plan_id = r.plan_id AND ins.unit_id = r.unit_id AND ins.period = r.period;
	GET DIAGNOSTICS created = ROW_COUNT;
	UPDATE pg_temp.bulk_ra a SET report_id = r.id FROM pg_temp.bulk_r r
	WHERE r.section = 'reports' AND r.idx = a.idx AND a.report_id IS NULL;
	UPDATE bdg.report t SET results = r.results, difficulties = r.difficulties, recommendations = r.recommendations
	FROM pg_temp.bulk_r r
	WHERE t.id = r.id AND r.whole AND r.v0 IS NOT NULL
		AND (t.results, t.difficulties, t.recommendations) IS DISTINCT FROM (r.results, r.difficulties, r.recommendations);
	-- Values: what is not wanted any more goes, the stored values that
	-- change are updated, the others inserted with their report's period
	-- (so that no row trigger runs: 013's header). A new report has no
	-- stored values to compare with.
	DELETE FROM bdg.report_value o USING pg_temp.bulk_r r
	WHERE o.report_id = r.id AND r.v0 IS NOT NULL AND NOT r.dup
		AND NOT EXISTS (SELECT 1 FROM pg_temp.bulk_rw w WHERE w.rsection = r.section AND w.ridx = r.idx
			AND w.indicator_id = o.indicator_id AND w.sex = o.sex);
	UPDATE bdg.report_value o SET value = trim_scale(w.value)
	FROM pg_temp.bulk_rw w JOIN pg_temp.bulk_r r ON r.section = w.rsection AND r.idx = w.ridx
	WHERE r.v0 IS NOT NULL AND o.report_id = r.id AND o.indicator_id = w.indicator_id AND o.sex = w.sex
		AND o.value <> w.value;
	INSERT INTO bdg.report_value (report_id, indicator_id, sex, value, period)
	SELECT r.id, w.indicator_id, w.sex, trim_scale(w.value), r.period
	FROM pg_temp.bulk_rw w JOIN pg_temp.bulk_r r ON r.section = w.rsection AND r.idx = w.ridx
	WHERE r.v0 IS NULL OR NOT EXISTS (SELECT 1 FROM bdg.report_value c WHERE c.report_id = r.id
		AND c.indicator_id = w.indicator_id AND c.sex = w.sex);
	-- Activity results of report items replace the report's.
	DELETE FROM bdg.report_activity o USING pg_temp.bulk_r r
	WHERE o.report_id = r.id AND r.whole AND r.has_acts AND r.v0 IS NOT NULL AND NOT r.dup
		AND NOT EXISTS (SELECT 1 FROM pg_temp.bulk_ra a WHERE a.report_id = o.report_id
			AND a.activity_id = o.activity_id);
	INSERT INTO bdg.report_activity AS o (report_id, activity_id, status, sessions, participants_female,
		participants_male, notes)
	SELECT a.report_id, a.activity_id, a.status, a.sessions, a.participants_female, a.participants_male, a.notes
	FROM pg_temp.bulk_ra a
	WHERE NOT EXISTS (SELECT 1 FROM bdg.report_activity c WHERE c.report_id = a.report_id
		AND c.activity_id = a.activity_id AND (c.status, c.sessions, c.participants_female, c.participants_male, c.notes)
		IS NOT DISTINCT FROM (a.status, a.sessions, a.participants_female, a.participants_male, a.notes))
	ON CONFLICT (report_id, activity_id) DO UPDATE SET status = EXCLUDED.status,
		sessions = EXCLUDED.sessions, participants_female = EXCLUDED.participants_female,
		participants_male = EXCLUDED.participants_male, notes = EXCLUDED.notes
	WHERE (o.status, o.sessions, o.participants_female, o.participants_male, o.notes) IS DISTINCT FROM
	      (EXCLUDED.status, EXCLUDED.sessions, EXCLUDED.participants_female, EXCLUDED.participants_male,
	       EXCLUDED.notes);
	SELECT count(*) INTO updated FROM pg_temp.bulk_r r JOIN bdg.report t ON t.id = r.id
	WHERE r.v0 IS NOT NULL AND NOT r.dup AND t.version <> r.v0;
	RETURN bdg.bulk_result(created, updated, total - created - updated, NULL)
		|| jsonb_build_object('values', vcounts);
END $$;

-- After the database refused a batch of reports: write each report alone
-- (its texts, then its values and activity results through bdg.report_put,
-- the resource's own function) in its own savepoint, to name the reports
