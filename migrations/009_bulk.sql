-- 009_bulk.sql: bulk upserts by natural key (POST /api/v1/bulk).
--
-- Each bdg.bulk_<section>(items jsonb, actor text, role text) takes the
-- items of one section (already checked for shape by lib/bulk.c), applies
-- them in dependency order inside the caller's transaction, and returns
--   {"created": n, "updated": n, "unchanged": n,
--    "errors": [{"index": i, "field": "/parent", "message": "…",
--                "constraint": "…", "sqlstate": "…"}]}
-- An item that changes nothing is left alone (no version, no revision), so
-- re-sending a batch reports everything unchanged. An item that fails is
-- rolled back alone (a subtransaction) and reported; the caller rolls the
-- whole batch back when any item failed, so nothing is half written.
-- Authorization is per item, exactly as for single writes.

-- One failed item, from inside an EXCEPTION handler.
CREATE FUNCTION bdg.bulk_error(idx int, state text, msg text, col text, cons text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object('index', idx, 'sqlstate', state,
		'message', CASE WHEN state LIKE 'BD%' THEN msg END,
		'field', nullif(col, ''), 'constraint', nullif(cons, '')))
$$;

-- Units: parents before children (also within the batch); a new root only
-- by an admin whose token names it; a parent within the caller's reach
-- (or the unit's current parent); an existing unit only within reach.
CREATE FUNCTION bdg.bulk_units(items jsonb, actor text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	apath ltree := bdg.unit_path(actor);
	it record;
	cur bdg.unit;
	par bdg.unit;
	suc bdg.unit;
	created int := 0;
	updated int := 0;
	unchanged int := 0;
	errs jsonb := '[]';
	n int;
	st text; msg text; col text; cons text;
BEGIN
	IF role <> 'admin' THEN
		RETURN jsonb_build_object('created', 0, 'updated', 0, 'unchanged', 0, 'errors',
			(SELECT coalesce(jsonb_agg(jsonb_build_object('index', i - 1, 'sqlstate', 'BD403',
				'message', 'only an admin may write units')), '[]')
			 FROM jsonb_array_elements(items) WITH ORDINALITY AS t(e, i)));
	END IF;
	FOR it IN
		WITH RECURSIVE b AS (
			SELECT e, (i - 1)::int AS idx, e->>'code' AS code, e->>'parent' AS parent
			FROM jsonb_array_elements(items) WITH ORDINALITY AS t(e, i)),
		d AS (
			SELECT code, 0 AS depth FROM b
			WHERE parent IS NULL OR parent NOT IN (SELECT code FROM b WHERE code IS NOT NULL)
			UNION ALL
			SELECT b.code, d.depth + 1 FROM b JOIN d ON b.parent = d.code WHERE d.depth < 64)
		SELECT b.*, coalesce((SELECT max(depth) FROM d WHERE d.code = b.code), 0) AS depth
		FROM b ORDER BY depth, idx
	LOOP
		BEGIN
			cur := NULL; par := NULL; suc := NULL;
			apath := coalesce(apath, bdg.unit_path(actor));  -- the root may come in this batch
			SELECT * INTO cur FROM bdg.unit WHERE code = it.code;
			IF cur.id IS NOT NULL AND NOT coalesce(cur.path <@ apath, false) THEN
				PERFORM bdg.fail('BD409', 'the code is already used by a unit out of your reach', '/code');
			END IF;
			IF it.parent IS NULL THEN
				IF cur.id IS NULL AND it.code <> actor THEN
					PERFORM bdg.fail('BD403', 'a unit without a parent can only be created by an admin whose token names that unit', '/parent');
				ELSIF cur.id IS NOT NULL AND cur.parent_id IS NOT NULL THEN
					PERFORM bdg.fail('BD422', 'a unit that has a parent cannot become a root unit', '/parent');
				END IF;
			ELSE
				SELECT * INTO par FROM bdg.unit WHERE code = it.parent;
				IF par.id IS NULL OR NOT (coalesce(par.path <@ apath, false) OR coalesce(par.id = cur.parent_id, false)) THEN
					PERFORM bdg.fail('BD422', 'no such unit within your reach', '/parent');
				END IF;
			END IF;
			IF it.e->>'successor' IS NOT NULL THEN
				SELECT * INTO suc FROM bdg.unit WHERE code = it.e->>'successor' AND path <@ apath;
				IF suc.id IS NULL THEN
					PERFORM bdg.fail('BD422', 'no such unit within your reach', '/successor');
				END IF;
			END IF;
			IF cur.id IS NULL THEN
				INSERT INTO bdg.unit (code, name, kind, parent_id, valid_from, valid_to, successor_id)
				VALUES (it.code, it.e->>'name', it.e->>'kind', par.id, (it.e->>'valid_from')::date,
					(it.e->>'valid_to')::date, suc.id);
				created := created + 1;
			ELSE
				UPDATE bdg.unit SET name = it.e->>'name', kind = it.e->>'kind', parent_id = par.id,
					valid_from = (it.e->>'valid_from')::date, valid_to = (it.e->>'valid_to')::date,
					successor_id = suc.id
				WHERE id = cur.id;
				GET DIAGNOSTICS n = ROW_COUNT;
				IF n > 0 THEN updated := updated + 1; ELSE unchanged := unchanged + 1; END IF;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
				col = COLUMN_NAME, cons = CONSTRAINT_NAME;
			errs := errs || bdg.bulk_error(it.idx, st, msg, col, cons);
		END;
	END LOOP;
	RETURN jsonb_build_object('created', created, 'updated', updated, 'unchanged', unchanged, 'errors', errs);
END $$;
