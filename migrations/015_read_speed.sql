-- 015_read_speed.sql: stored plan documents for lists (issue 8, step 5).
--
-- A page of GET /plans rendered bdg.plan_doc once per plan: five
-- sub-selects and a jsonb of 26 keys each, about 170 µs a plan, so a page
-- of 100 cost 50 times a GET by id. Plans are read far more than written,
-- so the document is now rendered when the plan changes and kept in
-- bdg.plan_cache; a page concatenates the stored texts.
--
-- What the document depends on, and who refreshes it:
--   * the plan row (every write of it, children_rev bumps included): the
--     statement triggers plan_cache_insert/_update on bdg.plan;
--   * recipients and reporting entries: statement triggers on
--     bdg.plan_recipient and bdg.plan_reporting, which fire after 003's
--     triggers (names sort after theirs), so a change folded into this
--     transaction's audit row is rendered too;
--   * the codes of the issuing and recipient units: a statement trigger on
--     bdg.unit for a changed code (a natural key: rare);
--   * activity_count: NOT stored. The text is kept in two halves around the
--     count, and a page counts its plans' activities (activity_plan_idx),
--     so activity writes never touch the cache and never wait on it.
-- Every writer of a plan, its recipients or reporting entries holds the
-- plan's row lock (003: plan_changed updates the plan or has written it in
-- this transaction), and the refresh runs as a statement of its own in a
-- VOLATILE function (a fresh snapshot, after the lock): the last writer to
-- commit stored what it rendered from everything committed before it.
-- The plan's row and its cache row go together (ON DELETE CASCADE).
--
-- A change of bdg.plan_doc's output must refresh every row:
--   SELECT bdg.plan_cache_refresh(array_agg(id)) FROM bdg.plan;
-- lib/plan.c falls back to bdg.plan_doc when a row is missing or cannot be
-- split (no "activity_count" key).

CREATE TABLE bdg.plan_cache (
	plan_id bigint PRIMARY KEY REFERENCES bdg.plan (id) ON DELETE CASCADE,
	head    text,   -- plan_doc(p)::text up to and including '"activity_count": '
	tail    text    -- what follows the count
);

CREATE FUNCTION bdg.plan_cache_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	INSERT INTO bdg.plan_cache AS c (plan_id, head, tail)
	SELECT d.id, d.m[1], d.m[2]
	FROM (SELECT p.id, regexp_match(bdg.plan_doc(p)::text, '^(.*?"activity_count": )\d+(\D.*)$') AS m
	      FROM bdg.plan p WHERE p.id = ANY (ids)) d
	ON CONFLICT (plan_id) DO UPDATE SET head = EXCLUDED.head, tail = EXCLUDED.tail;
END $$;

CREATE FUNCTION bdg.plan_cache_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bdg.plan_cache_refresh(array_agg(DISTINCT n.id)) FROM new_rows n;
	RETURN NULL;
END $$;

CREATE TRIGGER plan_cache_insert AFTER INSERT ON bdg.plan
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_cache_rows();
CREATE TRIGGER plan_cache_update AFTER UPDATE ON bdg.plan
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_cache_rows();

-- Children of plans: the plan ids of the rows inserted, updated or deleted.
CREATE FUNCTION bdg.plan_cache_parts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM bdg.plan_cache_refresh(array_agg(DISTINCT n.plan_id)) FROM new_rows n;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM bdg.plan_cache_refresh(array_agg(DISTINCT o.plan_id)) FROM old_rows o;
	ELSE
		PERFORM bdg.plan_cache_refresh(array_agg(DISTINCT x.plan_id))
		FROM (SELECT plan_id FROM new_rows UNION SELECT plan_id FROM old_rows) x;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER plan_recipient_cache_insert AFTER INSERT ON bdg.plan_recipient
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_cache_parts();
CREATE TRIGGER plan_recipient_cache_update AFTER UPDATE ON bdg.plan_recipient
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_cache_parts();
CREATE TRIGGER plan_recipient_cache_delete AFTER DELETE ON bdg.plan_recipient
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_cache_parts();
CREATE TRIGGER plan_reporting_cache_insert AFTER INSERT ON bdg.plan_reporting
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_cache_parts();
CREATE TRIGGER plan_reporting_cache_update AFTER UPDATE ON bdg.plan_reporting
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_cache_parts();
CREATE TRIGGER plan_reporting_cache_delete AFTER DELETE ON bdg.plan_reporting
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_cache_parts();

-- A unit's code changed: the plans it issued or receives show it.
CREATE FUNCTION bdg.plan_cache_units() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
BEGIN
	SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.code <> n.code;
	IF ids IS NOT NULL THEN
		PERFORM bdg.plan_cache_refresh(array_agg(DISTINCT x.id))
		FROM (SELECT p.id FROM bdg.plan p WHERE p.unit_id = ANY (ids)
		      UNION SELECT r.plan_id FROM bdg.plan_recipient r WHERE r.unit_id = ANY (ids)) x;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER unit_plan_cache AFTER UPDATE ON bdg.unit
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_cache_units();

SELECT bdg.plan_cache_refresh(array_agg(id)) FROM bdg.plan;

-- GET /plans?unit=CODE: the unit's plans in id order, so that a page stops
-- at its end (lib/plan.c st_list_unit) instead of sorting all of them.
CREATE INDEX plan_unit_id_idx ON bdg.plan (unit_id, id);
