-- 010_bulk_sections.sql: every section of POST /api/v1/bulk (units,
-- indicators, plans, activities, targets, reports), fast enough for
-- 10,000 units or 100,000 report values in one request.
--
-- How a batch runs (lib/bulk.c drives it, in one transaction):
--   1. bdg.bulk_begin() makes the staging table pg_temp.bulk_item
--      (section, idx, item jsonb), dropped at commit or rollback; lib/bulk.c
--      fills it with COPY, one line per item, after checking each item's
--      shape in C (the resource's field table);
--   2. bdg.bulk_section(section, actor, role) applies one section, in
--      dependency order: units, indicators, plans (drafts), activities,
--      plans_issue (the plans sent as "issued", once their activities are
--      in), targets, reports. Each returns
--        {"created": n, "updated": n, "unchanged": n,
--         "errors": [{"index": i, "field": "/parent", "message": "…",
--                     "sqlstate": "BD422", "constraint": "…"}]}
--      where index is the item's idx in its section;
--   3. any error: lib/bulk.c rolls the whole batch back (it stops at the
--      first section that reports errors: later sections would only repeat
--      them); dry_run rolls back too. Nothing is half written.
-- Each section first checks every item set-based (reach, references,
-- duplicates, lifecycle) and names every item at fault without writing.
-- Only a clean section is written: set-based where the rules allow (units,
-- report values), else one statement per item, all without savepoints (so
-- that a plan and its recipients, a report and its values, are one
-- version and one revision: bdg.audit_mine, 003). When the database still
-- refuses something (a trigger's rule the checks did not foresee), the
-- statement fails; lib/bulk.c rolls back and runs the batch again with
-- bdg.bulk_diagnose set, and each section then writes item by item, each
-- in its own savepoint, to name every item the database refuses.
-- An item equal to what is stored writes nothing: no version, no revision;
-- a re-sent batch is all "unchanged".
-- Authorization is per item, by the rules of the single writes:
--   units       admin; an existing unit within reach, a parent within
--               reach (or the unit's current one), a new root only by the
--               admin whose token names it (002, lib/unit.c);
--   indicators  admin of a root unit (lib/indicator.c);
--   plans       editors of the issuing unit's subtree (bdg.plan_writable);
--               issuing needs an approver of the issuing unit itself;
--   activities  the plan's writers; the lead unit's subtree may change the
--               status and progress only (lib/activity.c);
--   targets     the plan's writers (lib/target.c);
--   reports     see bdg.bulk_run_reports.
--
-- Revisions are bdg.next_revision's (001): taken under a transaction-scoped
-- advisory lock that PostgreSQL releases only once the commit is visible,
-- so a reader of the feed never sees revision N+1 before N, and a batch's
-- revisions appear at once (tests/api/changes.test.mjs).

-- Staging -----------------------------------------------------------------------

-- The staging table of this transaction (created on first use).
CREATE FUNCTION bdg.bulk_begin() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF to_regclass('pg_temp.bulk_item') IS NULL THEN
		CREATE TEMP TABLE bulk_item (section text NOT NULL, idx int NOT NULL, item jsonb NOT NULL)
			ON COMMIT DROP;
		CREATE INDEX ON pg_temp.bulk_item (section, idx);
	END IF;
END $$;

-- Stage a section from a JSON array (for psql and the wrappers below).
CREATE FUNCTION bdg.bulk_stage(sec text, items jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bdg.bulk_begin();
	DELETE FROM pg_temp.bulk_item WHERE section = sec;
	INSERT INTO pg_temp.bulk_item (section, idx, item)
	SELECT sec, (t.i - 1)::int, t.e FROM jsonb_array_elements(items) WITH ORDINALITY AS t(e, i);
END $$;

-- A fresh work table of this transaction: drop the one of an earlier call.
CREATE FUNCTION bdg.bulk_drop(name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF to_regclass('pg_temp.' || name) IS NOT NULL THEN
		EXECUTE format('DROP TABLE pg_temp.%I', name);
	END IF;
END $$;

-- The diagnosis run (set by lib/bulk.c, transaction-local): write item by
-- item in savepoints, to name the items the database refuses.
CREATE FUNCTION bdg.bulk_diagnosing() RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce(current_setting('bdg.bulk_diagnose', true), '') = 'on'
$$;

-- The answer of a section.
CREATE FUNCTION bdg.bulk_result(created int, updated int, unchanged int, errs jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('created', created, 'updated', updated, 'unchanged', unchanged,
		'errors', coalesce(errs, '[]'::jsonb))
$$;

-- One item error found by a check (not raised).
CREATE FUNCTION bdg.bulk_err(idx int, state text, field text, msg text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object('index', idx, 'sqlstate', state, 'message', msg, 'field', field))
$$;

-- Units -------------------------------------------------------------------------

-- Checks, then one INSERT of every new unit (parents first: ids are taken
-- beforehand, so that a child names its parent of the same batch), one
-- UPDATE of the changed units that stay where they are, and the moves one
-- by one (parents first).
CREATE FUNCTION bdg.bulk_run_units(actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	apath ltree := bdg.unit_path(actor);
	errs jsonb;
	total int;
	created int := 0;
	updated int := 0;
	n int;
	k int;
	r record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_temp.bulk_item WHERE section = 'units') THEN
		RETURN bdg.bulk_result(0, 0, 0, NULL);
	END IF;
	IF role <> 'admin' THEN
		RETURN bdg.bulk_result(0, 0, 0, (SELECT jsonb_agg(bdg.bulk_err(idx, 'BD403', NULL,
			'only an admin may write units') ORDER BY idx) FROM pg_temp.bulk_item WHERE section = 'units'));
	END IF;
	-- One pass: the items, the units they name, ids for the new ones (taken
	-- now, so that a child names its parent of the same batch), the
	-- parent and successor by id, whether the parent is in the batch.
	PERFORM bdg.bulk_drop('bulk_u');
	CREATE TEMP TABLE bulk_u ON COMMIT DROP AS
	WITH s AS MATERIALIZED (
		SELECT s.idx, s.item->>'code' AS code, s.item->>'name' AS name, s.item->>'kind' AS kind,
			s.item->>'parent' AS parent, (s.item->>'valid_from')::date AS valid_from,
			(s.item->>'valid_to')::date AS valid_to, s.item->>'successor' AS successor,
			u.id AS cur_id, u.parent_id AS cur_parent_id, u.path AS cur_path,
			row_number() OVER (PARTITION BY s.item->>'code' ORDER BY s.idx) > 1 AS dup
		FROM pg_temp.bulk_item s LEFT JOIN bdg.unit u ON u.code = s.item->>'code'
		WHERE s.section = 'units'),
	i AS MATERIALIZED (
		SELECT s.*, s.cur_id IS NULL AS is_new,
			CASE WHEN s.cur_id IS NULL AND NOT s.dup THEN nextval(pg_get_serial_sequence('bdg.unit', 'id'))
			     ELSE s.cur_id END AS id
		FROM s)
	SELECT i.idx, i.code, i.name, i.kind, i.parent, i.valid_from, i.valid_to, i.successor,
		i.id, i.cur_parent_id, i.cur_path, i.is_new, i.dup,
		coalesce(bp.id, up.id) AS parent_id, bp.idx AS parent_idx, coalesce(bs.id, us.id) AS successor_id,
		bs.idx AS successor_idx, up.path AS parent_path
	FROM i
	LEFT JOIN i bp ON bp.code = i.parent AND NOT bp.dup
	LEFT JOIN bdg.unit up ON up.code = i.parent
	LEFT JOIN i bs ON bs.code = i.successor AND NOT bs.dup
	LEFT JOIN bdg.unit us ON us.code = i.successor;
	GET DIAGNOSTICS total = ROW_COUNT;
	CREATE INDEX ON pg_temp.bulk_u (parent_idx);
	ANALYZE pg_temp.bulk_u;
	-- Depth within the batch (parents first); none: a cycle.
	PERFORM bdg.bulk_drop('bulk_ud');
	CREATE TEMP TABLE bulk_ud ON COMMIT DROP AS
	SELECT b.idx, 0 AS depth FROM pg_temp.bulk_u b WHERE NOT b.dup AND b.parent_idx IS NULL;
	FOR k IN 0..200 LOOP
		INSERT INTO pg_temp.bulk_ud (idx, depth)
		SELECT c.idx, k + 1 FROM pg_temp.bulk_ud d JOIN pg_temp.bulk_u c ON c.parent_idx = d.idx
		WHERE d.depth = k AND NOT c.dup;
		GET DIAGNOSTICS n = ROW_COUNT;
		EXIT WHEN n = 0;
	END LOOP;
	CREATE UNIQUE INDEX ON pg_temp.bulk_ud (idx);
	ANALYZE pg_temp.bulk_ud;

	SELECT jsonb_agg(e ORDER BY (e->>'index')::int) INTO errs FROM (
		SELECT CASE
			WHEN b.dup THEN bdg.bulk_err(b.idx, 'BD409', '/code', 'the code is listed earlier in the batch')
			WHEN NOT b.is_new AND NOT coalesce(b.cur_path <@ apath, false) THEN
				bdg.bulk_err(b.idx, 'BD409', '/code', 'the code is already used by a unit out of your reach')
			WHEN b.parent IS NULL AND b.is_new AND b.code <> actor THEN
				bdg.bulk_err(b.idx, 'BD403', '/parent',
					'a unit without a parent can only be created by an admin whose token names that unit')
			WHEN b.parent IS NULL AND NOT b.is_new AND b.cur_parent_id IS NOT NULL THEN
				bdg.bulk_err(b.idx, 'BD422', '/parent', 'a unit that has a parent cannot become a root unit')
			WHEN b.parent = b.code THEN bdg.bulk_err(b.idx, 'BD422', '/parent', 'a unit cannot be its own parent')
			WHEN d.idx IS NULL THEN
				bdg.bulk_err(b.idx, 'BD422', '/parent', 'the parents of these units form a cycle')
			WHEN b.parent IS NOT NULL AND b.parent_idx IS NULL
			     AND NOT coalesce(b.parent_path <@ apath OR b.parent_id = b.cur_parent_id, false) THEN
				bdg.bulk_err(b.idx, 'BD422', '/parent', 'no such unit within your reach')
			WHEN NOT b.is_new AND b.parent_idx IS NULL AND b.parent_path <@ b.cur_path THEN
				bdg.bulk_err(b.idx, 'BD422', '/parent', 'a unit cannot be moved under itself or its own subunit')
			WHEN b.successor = b.code THEN bdg.bulk_err(b.idx, 'BD422', '/successor', 'a unit cannot succeed itself')
			WHEN b.successor IS NOT NULL AND b.successor_idx IS NULL AND NOT EXISTS (
				SELECT 1 FROM bdg.unit s WHERE s.id = b.successor_id AND s.path <@ apath) THEN
				bdg.bulk_err(b.idx, 'BD422', '/successor', 'no such unit within your reach')
			WHEN b.valid_to < b.valid_from THEN bdg.bulk_err(b.idx, 'BD422', '/valid_to', 'must not be before valid_from')
			END AS e
		FROM pg_temp.bulk_u b LEFT JOIN pg_temp.bulk_ud d ON d.idx = b.idx
	) x WHERE e IS NOT NULL;
	IF errs IS NOT NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, errs);
	END IF;

	IF bdg.bulk_diagnosing() THEN
		RETURN bdg.bulk_slow_units(actor);
	END IF;
	INSERT INTO bdg.unit (id, code, name, kind, parent_id, valid_from, valid_to, successor_id)
	SELECT b.id, b.code, b.name, b.kind, b.parent_id, b.valid_from, b.valid_to, b.successor_id
	FROM pg_temp.bulk_u b JOIN pg_temp.bulk_ud d ON d.idx = b.idx
	WHERE b.is_new ORDER BY d.depth, b.idx;
	GET DIAGNOSTICS created = ROW_COUNT;
	UPDATE bdg.unit u SET name = b.name, kind = b.kind, valid_from = b.valid_from,
		valid_to = b.valid_to, successor_id = b.successor_id
	FROM pg_temp.bulk_u b
	WHERE u.id = b.id AND NOT b.is_new AND u.parent_id IS NOT DISTINCT FROM b.parent_id
		AND (u.name, u.kind, u.valid_from, u.valid_to, u.successor_id)
		    IS DISTINCT FROM (b.name, b.kind, b.valid_from, b.valid_to, b.successor_id);
	GET DIAGNOSTICS updated = ROW_COUNT;
	FOR r IN SELECT b.* FROM pg_temp.bulk_u b JOIN bdg.unit u ON u.id = b.id
	         JOIN pg_temp.bulk_ud d ON d.idx = b.idx
	         WHERE NOT b.is_new AND u.parent_id IS DISTINCT FROM b.parent_id
	         ORDER BY d.depth, b.idx LOOP
		UPDATE bdg.unit SET name = r.name, kind = r.kind, parent_id = r.parent_id,
			valid_from = r.valid_from, valid_to = r.valid_to, successor_id = r.successor_id
		WHERE id = r.id;
		GET DIAGNOSTICS n = ROW_COUNT;
		updated := updated + n;
	END LOOP;
	RETURN bdg.bulk_result(created, updated, total - created - updated, NULL);
END $$;

-- The units of pg_temp.bulk_u one by one, each in its own savepoint: only
-- to name the items the database refuses (the diagnosis run; the batch is
-- rolled back). No item named: lib/bulk.c answers the database's error.
CREATE FUNCTION bdg.bulk_slow_units(actor text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	errs jsonb := '[]';
	st text; msg text; col text; cons text;
BEGIN
	FOR r IN SELECT b.* FROM pg_temp.bulk_u b LEFT JOIN pg_temp.bulk_ud d ON d.idx = b.idx
	         ORDER BY d.depth, b.idx LOOP
		BEGIN
			IF r.is_new THEN
				INSERT INTO bdg.unit (id, code, name, kind, parent_id, valid_from, valid_to, successor_id)
				VALUES (r.id, r.code, r.name, r.kind, (SELECT id FROM bdg.unit WHERE code = r.parent),
					r.valid_from, r.valid_to, (SELECT id FROM bdg.unit WHERE code = r.successor));
			ELSE
				UPDATE bdg.unit SET name = r.name, kind = r.kind,
					parent_id = (SELECT id FROM bdg.unit WHERE code = r.parent),
					valid_from = r.valid_from, valid_to = r.valid_to,
					successor_id = (SELECT id FROM bdg.unit WHERE code = r.successor)
				WHERE id = r.id;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
				col = COLUMN_NAME, cons = CONSTRAINT_NAME;
			errs := errs || bdg.bulk_error(r.idx, st, msg, col, cons);
		END;
	END LOOP;
	RETURN bdg.bulk_result(0, 0, 0, errs);
END $$;

-- Indicators --------------------------------------------------------------------

-- The catalogue is written by an admin of a root unit (lib/indicator.c).
-- Counts before the ratios made of them; one statement per item (the
-- catalogue is small).
CREATE FUNCTION bdg.bulk_run_indicators(actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	errs jsonb;
	total int;
	created int := 0;
	updated int := 0;
	n int;
	r record;
BEGIN
	PERFORM bdg.bulk_drop('bulk_i');
	CREATE TEMP TABLE bulk_i ON COMMIT DROP AS
	SELECT s.idx, s.item->>'code' AS code, s.item->>'name' AS name, s.item->>'measure' AS measure,
		coalesce((s.item->>'sex_disaggregated')::boolean, false) AS sex_disaggregated,
		s.item->>'aggregation' AS aggregation, s.item->>'numerator' AS numerator,
		s.item->>'numerator_sex' AS numerator_sex, s.item->>'denominator' AS denominator,
		s.item->>'denominator_sex' AS denominator_sex, (s.item->>'scale')::numeric AS scale,
		s.item->>'unit_of_measure' AS unit_of_measure, s.item->>'source' AS source,
		s.item->>'description' AS description, coalesce((s.item->>'active')::boolean, true) AS active,
		i.id, false AS dup, 0 AS depth
	FROM pg_temp.bulk_item s LEFT JOIN bdg.indicator i ON i.code = s.item->>'code'
	WHERE s.section = 'indicators';
	GET DIAGNOSTICS total = ROW_COUNT;
	IF total = 0 THEN
		RETURN bdg.bulk_result(0, 0, 0, NULL);
	END IF;
	IF role <> 'admin' OR NOT EXISTS (SELECT 1 FROM bdg.unit WHERE code = actor AND parent_id IS NULL) THEN
		RETURN bdg.bulk_result(0, 0, 0, (SELECT jsonb_agg(bdg.bulk_err(idx, 'BD403', NULL,
			format('Only an admin of a root unit (a unit without a parent) may change the indicator '
			       'catalogue; your unit %s is not a root unit.', actor)) ORDER BY idx) FROM pg_temp.bulk_i));
	END IF;
	UPDATE pg_temp.bulk_i b SET dup = true
	FROM (SELECT idx, row_number() OVER (PARTITION BY code ORDER BY idx) AS k FROM pg_temp.bulk_i) d
	WHERE d.idx = b.idx AND d.k > 1;
	UPDATE pg_temp.bulk_i b SET depth = 1
	WHERE EXISTS (SELECT 1 FROM pg_temp.bulk_i p WHERE p.code IN (b.numerator, b.denominator) AND p.code <> b.code);
	SELECT jsonb_agg(e ORDER BY (e->>'index')::int) INTO errs FROM (
		SELECT bdg.bulk_err(b.idx, 'BD409', '/code', 'the code is listed earlier in the batch') AS e
		FROM pg_temp.bulk_i b WHERE b.dup
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/code', 'must be an indicator code: a capital letter, then up '
			'to 15 capital letters or digits, and up to 3 more parts of 1-16 after ''-'' (GEN-0301)')
		FROM pg_temp.bulk_i b WHERE b.code !~ '^[A-Z][A-Z0-9]{0,15}(-[A-Z0-9]{1,16}){0,3}$'
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/aggregation', format('does not fit the measure %s: use %s',
			b.measure, CASE b.measure WHEN 'count' THEN 'sum, max or latest'
				WHEN 'percent' THEN 'ratio, max or latest' ELSE 'ratio' END))
		FROM pg_temp.bulk_i b
		WHERE NOT ((b.measure = 'count' AND b.aggregation IN ('sum', 'max', 'latest')) OR
			(b.measure = 'percent' AND b.aggregation IN ('ratio', 'max', 'latest')) OR
			(b.measure = 'ratio' AND b.aggregation = 'ratio'))
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/' || x.part, CASE
			WHEN b.aggregation = 'ratio' THEN 'is required when the aggregation is ratio (a count indicator''s code)'
			ELSE 'only an indicator with the aggregation ratio has one' END)
		FROM pg_temp.bulk_i b, LATERAL (VALUES ('numerator', b.numerator), ('denominator', b.denominator),
			('numerator_sex', b.numerator_sex), ('denominator_sex', b.denominator_sex)) AS x(part, v)
		WHERE (b.aggregation = 'ratio' AND x.part IN ('numerator', 'denominator') AND x.v IS NULL)
		   OR (b.aggregation <> 'ratio' AND x.v IS NOT NULL)
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/scale', 'only an indicator with the aggregation ratio has a scale')
		FROM pg_temp.bulk_i b WHERE b.aggregation <> 'ratio' AND b.scale IS NOT NULL
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/' || x.part, format('no such indicator: %s', x.v))
		FROM pg_temp.bulk_i b, LATERAL (VALUES ('numerator', b.numerator), ('denominator', b.denominator)) AS x(part, v)
		WHERE x.v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bdg.indicator i WHERE i.code = x.v)
			AND NOT EXISTS (SELECT 1 FROM pg_temp.bulk_i p WHERE p.code = x.v AND NOT p.dup AND p.depth = 0)
	) x;
	IF errs IS NOT NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, errs);
	END IF;
	IF bdg.bulk_diagnosing() THEN
		RETURN bdg.bulk_slow('bulk_i', 'bdg.bulk_put_indicator');
	END IF;
	FOR r IN SELECT idx FROM pg_temp.bulk_i ORDER BY depth, idx LOOP
		n := bdg.bulk_put_indicator(r.idx);
		created := created + (n = 2)::int;
		updated := updated + (n = 1)::int;
	END LOOP;
	RETURN bdg.bulk_result(created, updated, total - created - updated, NULL);
END $$;

-- Write indicator item i: 2 created, 1 updated, 0 unchanged.
CREATE FUNCTION bdg.bulk_put_indicator(i int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	b record;
	n int;
BEGIN
	SELECT * INTO b FROM pg_temp.bulk_i WHERE idx = i;
	IF b.id IS NULL THEN
		INSERT INTO bdg.indicator (code, name, measure, sex_disaggregated, aggregation, numerator_id,
			numerator_sex, denominator_id, denominator_sex, scale, unit_of_measure, source, description, active)
		VALUES (b.code, b.name, b.measure, b.sex_disaggregated, b.aggregation,
			(SELECT id FROM bdg.indicator WHERE code = b.numerator), b.numerator_sex,
			(SELECT id FROM bdg.indicator WHERE code = b.denominator), b.denominator_sex, b.scale,
			b.unit_of_measure, b.source, b.description, b.active);
		RETURN 2;
	END IF;
	UPDATE bdg.indicator SET name = b.name, measure = b.measure, sex_disaggregated = b.sex_disaggregated,
		aggregation = b.aggregation, numerator_id = (SELECT id FROM bdg.indicator WHERE code = b.numerator),
		numerator_sex = b.numerator_sex,
		denominator_id = (SELECT id FROM bdg.indicator WHERE code = b.denominator),
		denominator_sex = b.denominator_sex, scale = b.scale, unit_of_measure = b.unit_of_measure,
		source = b.source, description = b.description, active = b.active
	WHERE id = b.id;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

-- The items of a work table written one by one, each in its own savepoint,
-- in the order of its column "ord" (else idx): only to name the items the
-- database refused (the batch is then rolled back).
CREATE FUNCTION bdg.bulk_slow(work text, put text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	i int;
	errs jsonb := '[]';
	st text; msg text; col text; cons text;
	has_depth boolean := EXISTS (SELECT 1 FROM pg_attribute
		WHERE attrelid = to_regclass('pg_temp.' || work) AND attname = 'depth' AND NOT attisdropped);
BEGIN
	FOR i IN EXECUTE format('SELECT idx FROM pg_temp.%I ORDER BY %s idx', work,
	                        CASE WHEN has_depth THEN 'depth,' ELSE '' END) LOOP
		BEGIN
			EXECUTE format('SELECT %s($1)', put) USING i;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
				col = COLUMN_NAME, cons = CONSTRAINT_NAME;
			errs := errs || bdg.bulk_error(i, st, msg, col, cons);
		END;
	END LOOP;
	RETURN bdg.bulk_result(0, 0, 0, errs);
END $$;

-- Plans -------------------------------------------------------------------------

-- By key (unit, number, year), written as drafts with their recipients and
-- reporting entries (parents before the plans implementing them); a plan
-- sent as "issued" is issued by bdg.bulk_run_plans_issue once the
-- activities are in. An issued plan's content is frozen (003): an item that
-- differs from it is refused (409), an equal one is unchanged.
CREATE FUNCTION bdg.bulk_run_plans(actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	apath ltree := bdg.unit_path(actor);
	errs jsonb;
	total int;
	created int := 0;
	updated int := 0;
	n int;
	k int;
	r record;
BEGIN
	PERFORM bdg.bulk_drop('bulk_p');
	CREATE TEMP TABLE bulk_p ON COMMIT DROP AS
	SELECT s.idx, s.item->>'unit' AS unit, s.item->>'number' AS number, (s.item->>'year')::int AS year,
		s.item->>'type' AS type, (s.item->>'issued_on')::date AS issued_on, s.item->>'place' AS place,
		s.item->>'title' AS title, s.item->'parent_plan' AS parent,
		ARRAY(SELECT jsonb_array_elements_text(coalesce(s.item->'legal_bases', '[]'))) AS legal_bases,
		ARRAY(SELECT jsonb_array_elements_text(coalesce(s.item->'objectives', '[]'))) AS objectives,
		s.item->>'funding' AS funding, (s.item->>'plans_due_on')::date AS plans_due_on,
		s.item->>'signer' AS signer, s.item->>'signer_title' AS signer_title,
		coalesce(s.item->'recipients', '[]') AS recipients, coalesce(s.item->'reporting', '[]') AS reporting,
		s.item->>'status' AS want, u.id AS unit_id, u.path AS unit_path, p.id, p.status AS cur_status,
		NULL::bigint AS parent_id, false AS dup, NULL::int AS depth, NULL::text AS outcome
	FROM pg_temp.bulk_item s
	LEFT JOIN bdg.unit u ON u.code = s.item->>'unit'
	LEFT JOIN bdg.plan p ON p.unit_id = u.id AND p.number = s.item->>'number' AND p.year = (s.item->>'year')::int
	WHERE s.section = 'plans';
	GET DIAGNOSTICS total = ROW_COUNT;
	IF total = 0 THEN
		RETURN bdg.bulk_result(0, 0, 0, NULL);
	END IF;
	CREATE UNIQUE INDEX ON pg_temp.bulk_p (idx);
	ANALYZE pg_temp.bulk_p;
	UPDATE pg_temp.bulk_p b SET dup = true
	FROM (SELECT idx, row_number() OVER (PARTITION BY unit, number, year ORDER BY idx) AS k FROM pg_temp.bulk_p) d
	WHERE d.idx = b.idx AND d.k > 1;
	-- The parent plan: an id, a plan of the batch, or one stored.
	UPDATE pg_temp.bulk_p b SET parent_id = CASE
		WHEN jsonb_typeof(b.parent) = 'number' THEN (b.parent #>> '{}')::bigint
		ELSE (SELECT p.id FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id
		      WHERE u.code = b.parent->>'unit' AND p.number = b.parent->>'number'
		        AND p.year = (b.parent->>'year')::int) END
	WHERE jsonb_typeof(b.parent) IN ('number', 'object');
	-- Depth: parents of the batch first.
	UPDATE pg_temp.bulk_p b SET depth = 0 WHERE NOT b.dup AND NOT EXISTS (
		SELECT 1 FROM pg_temp.bulk_p p WHERE NOT p.dup AND jsonb_typeof(b.parent) = 'object'
		AND p.unit = b.parent->>'unit' AND p.number = b.parent->>'number' AND p.year = (b.parent->>'year')::int);
	FOR k IN 0..50 LOOP
		UPDATE pg_temp.bulk_p c SET depth = k + 1 FROM pg_temp.bulk_p p
		WHERE c.depth IS NULL AND NOT c.dup AND p.depth = k AND jsonb_typeof(c.parent) = 'object'
			AND p.unit = c.parent->>'unit' AND p.number = c.parent->>'number'
			AND p.year = (c.parent->>'year')::int;
		GET DIAGNOSTICS n = ROW_COUNT;
		EXIT WHEN n = 0;
	END LOOP;

	SELECT jsonb_agg(e ORDER BY (e->>'index')::int) INTO errs FROM (
		SELECT bdg.bulk_err(b.idx, 'BD409', '/number', 'this plan (unit, number, year) is listed earlier in the batch') AS e
		FROM pg_temp.bulk_p b WHERE b.dup
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/unit', 'no such unit within your reach')
		FROM pg_temp.bulk_p b WHERE NOT coalesce(b.unit_path <@ apath, false)
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/number', 'is not a document number such as 595/KH-SYT')
		FROM pg_temp.bulk_p b WHERE NOT (length(b.number) <= 64 AND b.number ~ '^[0-9]+[^/[:space:]]*/[^[:space:]]+$')
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/parent_plan', 'the plans of the batch implement each other in a cycle')
		FROM pg_temp.bulk_p b WHERE NOT b.dup AND b.depth IS NULL
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/parent_plan', 'no such plan within your reach')
		FROM pg_temp.bulk_p b
		WHERE b.depth = 0 AND jsonb_typeof(b.parent) IN ('number', 'object')
			AND NOT bdg.plan_visible(coalesce(b.parent_id, 0), apath)
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/recipients/' || (x.i - 1), format('no unit %s', x.c))
		FROM pg_temp.bulk_p b, jsonb_array_elements_text(b.recipients) WITH ORDINALITY AS x(c, i)
		WHERE NOT EXISTS (SELECT 1 FROM bdg.unit u WHERE u.code = x.c)
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD403', '/status', format('only an approver of %s, the unit that issues '
			'this plan, may issue it', b.unit))
		FROM pg_temp.bulk_p b WHERE b.want = 'issued' AND coalesce(b.cur_status, 'draft') = 'draft'
			AND coalesce(b.unit_path <@ apath, false)
			AND (role NOT IN ('approver', 'admin') OR b.unit <> actor)
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD409', '/status', format('plan %s of %s is %s: it cannot be %s',
			b.number, b.year, b.cur_status, CASE b.want WHEN 'draft' THEN 'a draft again' ELSE 'issued again' END))
		FROM pg_temp.bulk_p b WHERE b.id IS NOT NULL AND b.want IS NOT NULL AND b.cur_status <> b.want
			AND NOT (b.cur_status = 'draft' AND b.want = 'issued')
	) x;
	IF errs IS NOT NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, errs);
	END IF;
	IF bdg.bulk_diagnosing() THEN
		RETURN bdg.bulk_slow('bulk_p', 'bdg.bulk_put_plan');
	END IF;
	FOR r IN SELECT idx FROM pg_temp.bulk_p ORDER BY depth, idx LOOP
		n := bdg.bulk_put_plan(r.idx);
		created := created + (n = 2)::int;
		updated := updated + (n = 1)::int;
	END LOOP;
	RETURN bdg.bulk_result(created, updated, total - created - updated, NULL);
END $$;

-- Write plan item i with its recipients and reporting entries (only the
-- differences): 2 created, 1 updated, 0 unchanged.
CREATE FUNCTION bdg.bulk_put_plan(i int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	b record;
	pid bigint;
	parent bigint;
	v0 int;
	v1 int;
BEGIN
	SELECT * INTO b FROM pg_temp.bulk_p WHERE idx = i;
	parent := coalesce(b.parent_id, (SELECT p.id FROM pg_temp.bulk_p p
		WHERE jsonb_typeof(b.parent) = 'object' AND p.unit = b.parent->>'unit'
		AND p.number = b.parent->>'number' AND p.year = (b.parent->>'year')::int AND NOT p.dup));
	IF b.id IS NULL THEN
		INSERT INTO bdg.plan (unit_id, number, year, type, issued_on, place, title, parent_plan_id,
			legal_bases, objectives, funding, plans_due_on, signer, signer_title)
		VALUES (b.unit_id, b.number, b.year, coalesce(b.type, 'plan'), b.issued_on, b.place, b.title, parent,
			b.legal_bases, b.objectives, b.funding, b.plans_due_on, b.signer, b.signer_title)
		RETURNING id INTO pid;
		UPDATE pg_temp.bulk_p SET id = pid, outcome = 'created', cur_status = 'draft' WHERE idx = i;
	ELSE
		pid := b.id;
		SELECT version INTO v0 FROM bdg.plan WHERE id = pid FOR UPDATE;
		UPDATE bdg.plan SET type = coalesce(b.type, 'plan'), issued_on = b.issued_on, place = b.place,
			title = b.title, parent_plan_id = parent, legal_bases = b.legal_bases, objectives = b.objectives,
			funding = b.funding, plans_due_on = b.plans_due_on, signer = b.signer, signer_title = b.signer_title
		WHERE id = pid;
	END IF;
	-- Recipients and reporting entries become exactly the item's.
	DELETE FROM bdg.plan_recipient r WHERE r.plan_id = pid
		AND r.unit_id NOT IN (SELECT u.id FROM jsonb_array_elements_text(b.recipients) c JOIN bdg.unit u ON u.code = c);
	INSERT INTO bdg.plan_recipient (plan_id, unit_id)
	SELECT pid, u.id FROM jsonb_array_elements_text(b.recipients) c JOIN bdg.unit u ON u.code = c
	WHERE NOT EXISTS (SELECT 1 FROM bdg.plan_recipient r WHERE r.plan_id = pid AND r.unit_id = u.id);
	WITH want AS (SELECT x.period, x.due_on,
			coalesce(x.data_from, (bdg.default_window(x.period)).data_from) AS data_from,
			coalesce(x.data_to, (bdg.default_window(x.period)).data_to) AS data_to
		FROM jsonb_to_recordset(b.reporting) AS x(period text, due_on date, data_from date, data_to date)),
	gone AS (DELETE FROM bdg.plan_reporting r WHERE r.plan_id = pid AND r.period NOT IN (SELECT period FROM want)),
	changed AS (UPDATE bdg.plan_reporting r SET due_on = w.due_on, data_from = w.data_from, data_to = w.data_to
		FROM want w WHERE r.plan_id = pid AND r.period = w.period
		AND (r.due_on, r.data_from, r.data_to) IS DISTINCT FROM (w.due_on, w.data_from, w.data_to))
	INSERT INTO bdg.plan_reporting (plan_id, period, due_on, data_from, data_to)
	SELECT pid, w.period, w.due_on, w.data_from, w.data_to FROM want w
	WHERE NOT EXISTS (SELECT 1 FROM bdg.plan_reporting r WHERE r.plan_id = pid AND r.period = w.period);
	IF b.id IS NULL THEN
		RETURN 2;
	END IF;
	SELECT version INTO v1 FROM bdg.plan WHERE id = pid;
	UPDATE pg_temp.bulk_p SET outcome = CASE WHEN v1 <> v0 THEN 'updated' ELSE 'unchanged' END WHERE idx = i;
	RETURN (v1 <> v0)::int;
END $$;

-- The plans of the batch sent as "issued" that are drafts, once their
-- activities are in: checked as POST /plans/{id}/issue checks (a title,
-- activities, recipients that exist on the date of issue, a date not in
-- the future), then issued on issued_on (today in Vietnam when none). A
-- plan that was unchanged so far becomes updated.
CREATE FUNCTION bdg.bulk_run_plans_issue(actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	errs jsonb;
	n int := 0;
	r record;
	st text; msg text; col text; cons text;
BEGIN
	IF to_regclass('pg_temp.bulk_p') IS NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, NULL);
	END IF;
	SELECT jsonb_agg(bdg.bulk_err(b.idx, 'BD422', x.field, x.message) ORDER BY b.idx) INTO errs
	FROM pg_temp.bulk_p b JOIN bdg.plan p ON p.id = b.id,
		LATERAL bdg.plan_issue_problems(p.id, coalesce(p.issued_on, bdg.local_today())) x
	WHERE b.want = 'issued' AND p.status = 'draft';
	IF errs IS NOT NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, errs);
	END IF;
	FOR r IN SELECT b.idx, b.id, b.outcome FROM pg_temp.bulk_p b JOIN bdg.plan p ON p.id = b.id
	         WHERE b.want = 'issued' AND p.status = 'draft' ORDER BY b.depth, b.idx LOOP
		IF bdg.bulk_diagnosing() THEN
			BEGIN
				UPDATE bdg.plan SET status = 'issued', issued_on = coalesce(issued_on, bdg.local_today())
				WHERE id = r.id;
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
					col = COLUMN_NAME, cons = CONSTRAINT_NAME;
				errs := coalesce(errs, '[]') || bdg.bulk_error(r.idx, st, msg, col, cons);
			END;
			CONTINUE;
		END IF;
		UPDATE bdg.plan SET status = 'issued', issued_on = coalesce(issued_on, bdg.local_today()) WHERE id = r.id;
		n := n + (r.outcome = 'unchanged')::int;
	END LOOP;
	RETURN bdg.bulk_result(0, n, -n, errs);
END $$;

-- The plan an item names, as pg_temp.bulk_item holds it: {"plan": id} or
-- {"plan": {"unit", "number", "year"}} (lib/bulk.c made CSV columns so).
CREATE FUNCTION bdg.bulk_plan_id(ref jsonb) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT CASE jsonb_typeof(ref)
		WHEN 'number' THEN (SELECT p.id FROM bdg.plan p WHERE p.id = (ref #>> '{}')::bigint)
		WHEN 'object' THEN (SELECT p.id FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id
			WHERE u.code = ref->>'unit' AND p.number = ref->>'number' AND p.year = (ref->>'year')::int)
	END
$$;

-- Activities --------------------------------------------------------------------

-- By key (plan, section): a plan whose activities share a section cannot
-- take bulk items for that section (which one is meant?). Writers of the
-- plan write everything; the lead unit's subtree only the status and
-- progress (lib/activity.c). Activities of a plan that is no longer a
-- draft are frozen but for status and progress (003).
CREATE FUNCTION bdg.bulk_run_activities(actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	apath ltree := bdg.unit_path(actor);
	errs jsonb;
	total int;
	created int := 0;
	updated int := 0;
	n int;
	r record;
BEGIN
	PERFORM bdg.bulk_drop('bulk_a');
	CREATE TEMP TABLE bulk_a ON COMMIT DROP AS
	SELECT s.idx, s.item->'plan' AS plan_ref, s.item->>'section' AS section,
		coalesce(s.item->>'category', 'other') AS category, s.item->>'title' AS title,
		s.item->>'description' AS description, s.item->>'lead_unit' AS lead_unit,
		coalesce(s.item->'coordinating_units', '[]') AS coordinating,
		(s.item->>'starts_on')::date AS starts_on, (s.item->>'ends_on')::date AS ends_on,
		(s.item->>'budget_vnd')::bigint AS budget_vnd, coalesce(s.item->>'status', 'planned') AS status,
		(s.item->>'progress')::int AS progress,
		bdg.bulk_plan_id(s.item->'plan') AS plan_id, NULL::bigint AS id, 0 AS matches,
		false AS dup, false AS visible, false AS writable, false AS lead, NULL::text AS plan_status,
		NULL::text AS plan_label, NULL::text AS plan_unit
	FROM pg_temp.bulk_item s WHERE s.section = 'activities';
	GET DIAGNOSTICS total = ROW_COUNT;
	IF total = 0 THEN
		RETURN bdg.bulk_result(0, 0, 0, NULL);
	END IF;
	CREATE UNIQUE INDEX ON pg_temp.bulk_a (idx);
	ANALYZE pg_temp.bulk_a;
	UPDATE pg_temp.bulk_a b SET visible = bdg.plan_visible(p, apath), writable = bdg.plan_writable(p, apath),
		plan_status = p.status, plan_label = bdg.plan_label(p),
		plan_unit = (SELECT u.code FROM bdg.unit u WHERE u.id = p.unit_id),
		matches = (SELECT count(*) FROM bdg.activity a WHERE a.plan_id = p.id AND a.section = b.section),
		id = (SELECT min(a.id) FROM bdg.activity a WHERE a.plan_id = p.id AND a.section = b.section)
	FROM bdg.plan p WHERE p.id = b.plan_id;
	UPDATE pg_temp.bulk_a b SET lead = EXISTS (SELECT 1 FROM bdg.activity a JOIN bdg.unit u ON u.id = a.lead_unit_id
		WHERE a.id = b.id AND u.path <@ apath)
	WHERE b.id IS NOT NULL AND NOT b.writable;
	UPDATE pg_temp.bulk_a b SET dup = true
	FROM (SELECT idx, row_number() OVER (PARTITION BY plan_id, section ORDER BY idx) AS k FROM pg_temp.bulk_a) d
	WHERE d.idx = b.idx AND d.k > 1 AND b.plan_id IS NOT NULL;

	SELECT jsonb_agg(e ORDER BY (e->>'index')::int) INTO errs FROM (
		SELECT bdg.bulk_err(b.idx, 'BD422', '/plan', 'no such plan within your reach') AS e
		FROM pg_temp.bulk_a b WHERE b.plan_id IS NULL OR NOT (b.visible OR b.lead)
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD403', '/plan', CASE WHEN b.id IS NULL
			THEN format('plan %s is issued by %s, outside your unit''s subtree: you may not add activities to it',
				b.plan_label, b.plan_unit)
			ELSE 'This activity belongs to a plan issued outside your unit''s subtree, and your unit does not lead it.' END)
		FROM pg_temp.bulk_a b WHERE b.visible AND NOT b.writable AND NOT b.lead
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD403', '/plan', 'Your unit leads this activity of a plan issued outside '
			'your subtree: you may change its status and progress only.')
		FROM pg_temp.bulk_a b JOIN bdg.activity a ON a.id = b.id JOIN bdg.plan p ON p.id = a.plan_id
		WHERE b.lead AND NOT b.writable AND NOT (
			a.category = b.category AND a.title = b.title AND a.description IS NOT DISTINCT FROM b.description
			AND a.lead_unit_id = coalesce((SELECT id FROM bdg.unit WHERE code = b.lead_unit), p.unit_id)
			AND a.starts_on IS NOT DISTINCT FROM b.starts_on AND a.ends_on IS NOT DISTINCT FROM b.ends_on
			AND a.budget_vnd IS NOT DISTINCT FROM b.budget_vnd
			AND ARRAY(SELECT u.code FROM bdg.activity_unit au JOIN bdg.unit u ON u.id = au.unit_id
				WHERE au.activity_id = a.id ORDER BY u.code)
			    = ARRAY(SELECT c FROM jsonb_array_elements_text(b.coordinating) c ORDER BY c))
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD409', '/section', 'this activity (plan, section) is listed earlier in the batch')
		FROM pg_temp.bulk_a b WHERE b.dup
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD409', '/section', format('plan %s has %s activities numbered %s: a bulk '
			'import cannot tell them apart; write them one by one', b.plan_label, b.matches, b.section))
		FROM pg_temp.bulk_a b WHERE b.matches > 1 AND (b.visible OR b.lead)
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/section', 'must be a section number such as II.3.a')
		FROM pg_temp.bulk_a b WHERE bdg.section_key(b.section) IS NULL
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD409', NULL, format('plan %s is %s: activities can no longer be added',
			b.plan_label, b.plan_status))
		FROM pg_temp.bulk_a b WHERE b.id IS NULL AND b.plan_status <> 'draft' AND b.writable
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', x.field, x.message)
		FROM pg_temp.bulk_a b JOIN bdg.plan p ON p.id = b.plan_id,
			LATERAL (SELECT coalesce(b.starts_on, b.ends_on, make_date(p.year, 1, 1)) AS f,
			                coalesce(b.ends_on, b.starts_on, make_date(p.year, 12, 31)) AS t) span,
			LATERAL (
				SELECT '/lead_unit' AS field, CASE WHEN u.id IS NULL THEN format('no unit %s', b.lead_unit)
					ELSE format('unit %s does not exist during the activity (%s to %s)', b.lead_unit, span.f, span.t)
					END AS message
				FROM (SELECT 1) one LEFT JOIN bdg.unit u ON u.code = b.lead_unit
				WHERE b.lead_unit IS NOT NULL AND (u.id IS NULL OR NOT bdg.unit_active(u, span.f, span.t))
				UNION ALL
				SELECT '/coordinating_units/' || (c.i - 1), CASE WHEN u.id IS NULL THEN format('no unit %s', c.code)
					ELSE format('unit %s does not exist during the activity (%s to %s)', c.code, span.f, span.t) END
				FROM jsonb_array_elements_text(b.coordinating) WITH ORDINALITY AS c(code, i)
				LEFT JOIN bdg.unit u ON u.code = c.code
				WHERE u.id IS NULL OR NOT bdg.unit_active(u, span.f, span.t)) x
		WHERE b.writable
	) x;
	IF errs IS NOT NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, errs);
	END IF;
	IF bdg.bulk_diagnosing() THEN
		RETURN bdg.bulk_slow('bulk_a', 'bdg.bulk_put_activity');
	END IF;
	FOR r IN SELECT idx FROM pg_temp.bulk_a ORDER BY idx LOOP
		n := bdg.bulk_put_activity(r.idx);
		created := created + (n = 2)::int;
		updated := updated + (n = 1)::int;
	END LOOP;
	RETURN bdg.bulk_result(created, updated, total - created - updated, NULL);
END $$;

-- Write activity item i and its coordinating units (only the
-- differences): 2 created, 1 updated, 0 unchanged.
CREATE FUNCTION bdg.bulk_put_activity(i int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	b record;
	aid bigint;
	v0 int;
	v1 int;
BEGIN
	SELECT * INTO b FROM pg_temp.bulk_a WHERE idx = i;
	IF b.id IS NULL THEN
		INSERT INTO bdg.activity (plan_id, section, category, title, description, lead_unit_id, starts_on,
			ends_on, budget_vnd, status, progress)
		VALUES (b.plan_id, b.section, b.category, b.title, b.description,
			(SELECT id FROM bdg.unit WHERE code = b.lead_unit), b.starts_on, b.ends_on, b.budget_vnd,
			b.status, b.progress)
		RETURNING id INTO aid;
	ELSE
		aid := b.id;
		SELECT version INTO v0 FROM bdg.activity WHERE id = aid FOR UPDATE;
		UPDATE bdg.activity SET category = b.category, title = b.title, description = b.description,
			lead_unit_id = coalesce((SELECT id FROM bdg.unit WHERE code = b.lead_unit),
				(SELECT p.unit_id FROM bdg.plan p WHERE p.id = b.plan_id)),
			starts_on = b.starts_on, ends_on = b.ends_on, budget_vnd = b.budget_vnd, status = b.status,
			progress = b.progress
		WHERE id = aid;
	END IF;
	DELETE FROM bdg.activity_unit au WHERE au.activity_id = aid
		AND au.unit_id NOT IN (SELECT u.id FROM jsonb_array_elements_text(b.coordinating) c JOIN bdg.unit u ON u.code = c);
	INSERT INTO bdg.activity_unit (activity_id, unit_id)
	SELECT aid, u.id FROM jsonb_array_elements_text(b.coordinating) c JOIN bdg.unit u ON u.code = c
	WHERE NOT EXISTS (SELECT 1 FROM bdg.activity_unit au WHERE au.activity_id = aid AND au.unit_id = u.id);
	IF b.id IS NULL THEN
		RETURN 2;
	END IF;
	SELECT version INTO v1 FROM bdg.activity WHERE id = aid;
	RETURN (v1 <> v0)::int;
END $$;

-- Targets -----------------------------------------------------------------------

-- By key (plan, indicator, unit, sex), upserted one by one (no target of
-- the plan is deleted: PUT /plans/{id}/targets replaces a whole set). The
-- plan's writers only; the rules on values are 003's triggers. Writers of
-- one plan's targets take turns (lib/target.c's advisory lock).
CREATE FUNCTION bdg.bulk_run_targets(actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	apath ltree := bdg.unit_path(actor);
	errs jsonb;
	total int;
	created int := 0;
	updated int := 0;
	n int;
	r record;
BEGIN
	PERFORM bdg.bulk_drop('bulk_t');
	CREATE TEMP TABLE bulk_t ON COMMIT DROP AS
	SELECT s.idx, bdg.bulk_plan_id(s.item->'plan') AS plan_id, s.item->>'indicator' AS indicator,
		s.item->>'unit' AS unit, coalesce(s.item->>'sex', 'total') AS sex, (s.item->>'year')::int AS year,
		(s.item->>'baseline')::numeric AS baseline, (s.item->>'target')::numeric AS target,
		i.id AS indicator_id, i.active, u.id AS unit_id, NULL::bigint AS id,
		false AS dup, false AS visible, false AS writable, NULL::text AS plan_label, NULL::text AS plan_unit
	FROM pg_temp.bulk_item s
	LEFT JOIN bdg.indicator i ON i.code = s.item->>'indicator'
	LEFT JOIN bdg.unit u ON u.code = s.item->>'unit'
	WHERE s.section = 'targets';
	GET DIAGNOSTICS total = ROW_COUNT;
	IF total = 0 THEN
		RETURN bdg.bulk_result(0, 0, 0, NULL);
	END IF;
	CREATE UNIQUE INDEX ON pg_temp.bulk_t (idx);
	ANALYZE pg_temp.bulk_t;
	UPDATE pg_temp.bulk_t b SET visible = bdg.plan_visible(p, apath), writable = bdg.plan_writable(p, apath),
		plan_label = bdg.plan_label(p), plan_unit = (SELECT u.code FROM bdg.unit u WHERE u.id = p.unit_id)
	FROM bdg.plan p WHERE p.id = b.plan_id;
	PERFORM pg_advisory_xact_lock(7310002, (x.plan_id % 2147483647)::int)
	FROM (SELECT DISTINCT plan_id FROM pg_temp.bulk_t WHERE writable ORDER BY plan_id) x;
	UPDATE pg_temp.bulk_t b SET id = t.id FROM bdg.target t
	WHERE t.plan_id = b.plan_id AND t.indicator_id = b.indicator_id AND t.unit_id = b.unit_id AND t.sex = b.sex;
	UPDATE pg_temp.bulk_t b SET dup = true
	FROM (SELECT idx, row_number() OVER (PARTITION BY plan_id, indicator, unit, sex ORDER BY idx) AS k
	      FROM pg_temp.bulk_t) d
	WHERE d.idx = b.idx AND d.k > 1 AND b.plan_id IS NOT NULL;
	SELECT jsonb_agg(e ORDER BY (e->>'index')::int) INTO errs FROM (
		SELECT bdg.bulk_err(b.idx, 'BD422', '/plan', 'no such plan within your reach') AS e
		FROM pg_temp.bulk_t b WHERE NOT b.visible
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD403', '/plan', format('The targets of plan %s are set by the editors of '
			'its issuing unit %s or of a unit above it.', b.plan_label, b.plan_unit))
		FROM pg_temp.bulk_t b WHERE b.visible AND NOT b.writable
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD409', '/indicator', format('indicator %s, unit %s, sex %s is listed '
			'earlier in the batch for this plan', b.indicator, b.unit, b.sex))
		FROM pg_temp.bulk_t b WHERE b.dup
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/indicator', format('no such indicator: %s', b.indicator))
		FROM pg_temp.bulk_t b WHERE b.writable AND b.indicator_id IS NULL
		UNION ALL
		SELECT bdg.bulk_err(b.idx, 'BD422', '/unit', format('unit %s is neither the issuing unit, nor under it, '
			'nor a recipient of the plan', b.unit))
		FROM pg_temp.bulk_t b JOIN bdg.plan p ON p.id = b.plan_id JOIN bdg.unit iu ON iu.id = p.unit_id
		LEFT JOIN bdg.unit u ON u.id = b.unit_id
		WHERE b.writable AND NOT coalesce(u.path <@ iu.path OR EXISTS (SELECT 1 FROM bdg.plan_recipient pr
			WHERE pr.plan_id = p.id AND pr.unit_id = u.id), false)
	) x;
	IF errs IS NOT NULL THEN
		RETURN bdg.bulk_result(0, 0, 0, errs);
	END IF;
	IF bdg.bulk_diagnosing() THEN
		RETURN bdg.bulk_slow('bulk_t', 'bdg.bulk_put_target');
	END IF;
	FOR r IN SELECT idx FROM pg_temp.bulk_t ORDER BY idx LOOP
		n := bdg.bulk_put_target(r.idx);
		created := created + (n = 2)::int;
		updated := updated + (n = 1)::int;
	END LOOP;
	RETURN bdg.bulk_result(created, updated, total - created - updated, NULL);
END $$;

-- Write target item i: 2 created, 1 updated, 0 unchanged.
CREATE FUNCTION bdg.bulk_put_target(i int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	b record;
	n int;
BEGIN
	SELECT * INTO b FROM pg_temp.bulk_t WHERE idx = i;
	IF b.id IS NULL THEN
		INSERT INTO bdg.target (plan_id, indicator_id, unit_id, sex, year, baseline, target)
		VALUES (b.plan_id, b.indicator_id, b.unit_id, b.sex, b.year, b.baseline, b.target);
		RETURN 2;
	END IF;
	UPDATE bdg.target SET year = b.year, baseline = b.baseline, target = b.target WHERE id = b.id;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

-- The dispatcher ----------------------------------------------------------------

-- Apply one step of the batch staged in pg_temp.bulk_item (see the top).
CREATE FUNCTION bdg.bulk_section(sec text, actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bdg.bulk_begin();
	CASE sec
	WHEN 'units' THEN RETURN bdg.bulk_run_units(actor, role);
	WHEN 'indicators' THEN RETURN bdg.bulk_run_indicators(actor, role);
	WHEN 'plans' THEN RETURN bdg.bulk_run_plans(actor, role);
	WHEN 'activities' THEN RETURN bdg.bulk_run_activities(actor, role);
	WHEN 'plans_issue' THEN RETURN bdg.bulk_run_plans_issue(actor, role);
	WHEN 'targets' THEN RETURN bdg.bulk_run_targets(actor, role);
	WHEN 'reports' THEN RETURN bdg.bulk_run_reports(actor, role);
	ELSE RAISE EXCEPTION 'bdg.bulk_section: no section %', sec;
	END CASE;
END $$;

-- Reports -----------------------------------------------------------------------

-- By key (plan, unit, period). Two kinds of items:
--   * section "reports": a report as PUT /reports/{id} writes it: its texts;
--     activity_results (the activity by its section, or its id) and values,
--     when given, replace what the report holds (left out, they are kept);
--   * section "report_values" (CSV rows: plan, unit, period, indicator,
--     sex, value): one value each, added to or changed in its report (the
--     report item of the batch with that key, else the stored report, else
--     a new draft); the report's other values stay.
-- Per item, the rules of the report resource (lib/report.c, 008): the unit
-- within the caller's reach, the plan one the caller reads, issued, with
-- that reporting period, the unit a recipient or the issuer; values of
-- indicators that exist, entered (not computed), in use, the sexes their
-- disaggregation allows, whole counts, percents 0-100, each (indicator,
-- sex) once; a sex-disaggregated indicator takes female and male, and a
-- count's total is their sum (derived when not given). Only drafts are
-- written: a report past draft whose content differs is refused (409), an
-- equal one is unchanged. Values are written set-based. Besides the
-- reports' counts, "values" counts what the "report_values" rows did
-- (created, updated, unchanged values).
CREATE FUNCTION bdg.bulk_run_reports(actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	apath ltree := bdg.unit_path(actor);
	errs jsonb;
	total int;
	created int := 0;
	updated int := 0;
	vcounts jsonb;
BEGIN
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
	ANALYZE pg_temp.bulk_rw;
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
	-- Values: what is not wanted any more goes, the rest is upserted.
	DELETE FROM bdg.report_value o USING pg_temp.bulk_r r
	WHERE o.report_id = r.id AND r.v0 IS NOT NULL AND NOT r.dup
		AND NOT EXISTS (SELECT 1 FROM pg_temp.bulk_rw w WHERE w.rsection = r.section AND w.ridx = r.idx
			AND w.indicator_id = o.indicator_id AND w.sex = o.sex);
	-- (Only the rows that change: the rows an INSERT is given all pass
	-- through the row triggers, even those ON CONFLICT leaves alone.)
	INSERT INTO bdg.report_value AS o (report_id, indicator_id, sex, value)
	SELECT r.id, w.indicator_id, w.sex, trim_scale(w.value)
	FROM pg_temp.bulk_rw w JOIN pg_temp.bulk_r r ON r.section = w.rsection AND r.idx = w.ridx
	WHERE NOT EXISTS (SELECT 1 FROM bdg.report_value c WHERE c.report_id = r.id
		AND c.indicator_id = w.indicator_id AND c.sex = w.sex AND c.value = w.value)
	ORDER BY r.id, w.indicator_id, w.sex
	ON CONFLICT (report_id, indicator_id, sex) DO UPDATE SET value = EXCLUDED.value
	WHERE o.value IS DISTINCT FROM EXCLUDED.value;
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
-- it refuses. The batch is rolled back anyway.
CREATE FUNCTION bdg.bulk_slow_reports() RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	rid bigint;
	errs jsonb := '[]';
	st text; msg text; col text; cons text;
BEGIN
	FOR r IN SELECT * FROM pg_temp.bulk_r WHERE NOT dup ORDER BY section, idx LOOP
		BEGIN
			rid := r.id;
			IF rid IS NULL OR r.v0 IS NULL THEN
				SELECT id INTO rid FROM bdg.report WHERE plan_id = r.plan_id AND unit_id = r.unit_id AND period = r.period;
			END IF;
			IF rid IS NULL THEN
				INSERT INTO bdg.report (plan_id, unit_id, period, results, difficulties, recommendations)
				VALUES (r.plan_id, r.unit_id, r.period, r.results, r.difficulties, r.recommendations)
				RETURNING id INTO rid;
			ELSIF r.whole THEN
				UPDATE bdg.report SET results = r.results, difficulties = r.difficulties,
					recommendations = r.recommendations WHERE id = rid;
			END IF;
			PERFORM bdg.report_put(rid,
				(SELECT coalesce(jsonb_agg(jsonb_build_object('indicator', i.code, 'sex', w.sex, 'value', w.value)
					ORDER BY w.indicator_id, w.sex), '[]')
				 FROM pg_temp.bulk_rw w JOIN bdg.indicator i ON i.id = w.indicator_id
				 WHERE w.rsection = r.section AND w.ridx = r.idx),
				CASE WHEN r.whole AND r.has_acts THEN (SELECT coalesce(jsonb_agg(jsonb_build_object('activity', a.activity_id,
					'status', a.status, 'sessions', a.sessions, 'participants_female', a.participants_female,
					'participants_male', a.participants_male, 'notes', a.notes) ORDER BY a.aidx), '[]')
					FROM pg_temp.bulk_ra a WHERE a.idx = r.idx)
				ELSE (SELECT coalesce(jsonb_agg(jsonb_build_object('activity', o.activity_id, 'status', o.status,
					'sessions', o.sessions, 'participants_female', o.participants_female,
					'participants_male', o.participants_male, 'notes', o.notes)), '[]')
					FROM bdg.report_activity o WHERE o.report_id = rid) END);
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
				col = COLUMN_NAME, cons = CONSTRAINT_NAME;
			errs := errs || (bdg.bulk_error(r.idx, st, msg,
				CASE WHEN col LIKE '/values/%' OR col LIKE '/activity_results/%' THEN '' ELSE col END, cons)
				|| jsonb_build_object('section', r.section));
		END;
	END LOOP;
	RETURN bdg.bulk_result(0, 0, 0, errs);
END $$;

-- Entry points by section, from a JSON array (psql, scripts): each stages
-- the items and applies them as POST /bulk would, in the caller's
-- transaction (which the caller rolls back when "errors" is not empty).
-- bdg.bulk_units replaces 009's loop with the set-based section above.
CREATE OR REPLACE FUNCTION bdg.bulk_units(items jsonb, actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bdg.bulk_stage('units', items);
	RETURN bdg.bulk_section('units', actor, role);
END $$;

CREATE FUNCTION bdg.bulk_indicators(items jsonb, actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bdg.bulk_stage('indicators', items);
	RETURN bdg.bulk_section('indicators', actor, role);
END $$;

-- Plans, then the issuing of those sent as "issued" (their activities
-- must be stored already).
CREATE FUNCTION bdg.bulk_plans(items jsonb, actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	a jsonb;
	b jsonb;
BEGIN
	PERFORM bdg.bulk_stage('plans', items);
	a := bdg.bulk_section('plans', actor, role);
	IF a->'errors' <> '[]' THEN
		RETURN a;
	END IF;
	b := bdg.bulk_section('plans_issue', actor, role);
	RETURN bdg.bulk_result((a->>'created')::int, (a->>'updated')::int + (b->>'updated')::int,
		(a->>'unchanged')::int + (b->>'unchanged')::int, b->'errors');
END $$;

CREATE FUNCTION bdg.bulk_activities(items jsonb, actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bdg.bulk_stage('activities', items);
	RETURN bdg.bulk_section('activities', actor, role);
END $$;

CREATE FUNCTION bdg.bulk_targets(items jsonb, actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bdg.bulk_stage('targets', items);
	RETURN bdg.bulk_section('targets', actor, role);
END $$;

CREATE FUNCTION bdg.bulk_reports(items jsonb, actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bdg.bulk_stage('reports', items);
	PERFORM bdg.bulk_stage('report_values', '[]');
	RETURN bdg.bulk_section('reports', actor, role);
END $$;
