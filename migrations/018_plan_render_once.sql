-- 018_plan_render_once.sql: a plan write renders the plan's document once
-- (issue 8, step 5).
--
-- After 016 a POST /plans still rendered bdg.plan_doc 7 times: once for
-- the audit row (plan_after), once for the cache (plan_cache_rows), twice
-- more in each part table's statement triggers (plan_part_after's
-- plan_changed, plan_cache_parts), which found both unchanged, and once
-- for the answer (lib/plan.c). All AFTER triggers of the one statement that
-- writes a plan and its parts fire at its end, the plan's row trigger
-- first: the document it renders already holds every part.
--
-- Here:
--   * plan_after stores the document it renders for the audit row in the
--     cache too (bdg.plan_cache_store: the same halves plan_cache_refresh
--     stores), and records the plan as rendered (bdg.plan_rendered,
--     transaction-local). The statement triggers plan_cache_insert and
--     plan_cache_update go: every row they saw had plan_after fire for it
--     before them (row events are queued before the statement's).
--   * A change of a recipient or reporting entry forgets that mark
--     (plan_part_before, before the row is written); the parts' statement
--     triggers skip the plan still marked: its document was rendered after
--     their rows were written. Any other case renders as before (a PUT
--     that changes only parts bumps the plan, whose plan_after renders and
--     marks it; the triggers after it skip).
--   * lib/plan.c answers a POST or PUT from the cache (as a list does)
--     instead of rendering again.
-- Documents, versions, revisions, audit rows, readers and cached halves are
-- the same bytes as before.

-- The plan whose document plan_after rendered last, if no part changed since.
CREATE FUNCTION bdg.plan_unrendered(ids bigint[]) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
	SELECT array_remove(ids, nullif(current_setting('bdg.plan_rendered', true), '')::bigint)
$$;

-- 016's split of a document around its activity count, stored for plan pid.
CREATE FUNCTION bdg.plan_cache_store(pid bigint, doc jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	t text := doc::text;
	k int := strpos(t, '"activity_count": ');
	head text;
	tail text;
BEGIN
	IF k > 0 AND jsonb_typeof(doc -> 'activity_count') = 'number' THEN
		head := left(t, k + 17);
		tail := substr(t, k + 18 + length(doc ->> 'activity_count'));
	END IF;
	INSERT INTO bdg.plan_cache AS c (plan_id, head, tail) VALUES (pid, head, tail)
	ON CONFLICT (plan_id) DO UPDATE SET head = EXCLUDED.head, tail = EXCLUDED.tail
	WHERE (c.head, c.tail) IS DISTINCT FROM (EXCLUDED.head, EXCLUDED.tail);
END $$;

-- As 016.
CREATE OR REPLACE FUNCTION bdg.plan_cache_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	pid bigint;
	doc jsonb;
BEGIN
	FOR pid IN SELECT DISTINCT x FROM unnest(ids) AS x WHERE x IS NOT NULL LOOP
		SELECT bdg.plan_doc(p) INTO doc FROM bdg.plan p WHERE p.id = pid;
		CONTINUE WHEN NOT FOUND;
		PERFORM bdg.plan_cache_store(pid, doc);
	END LOOP;
END $$;

-- As 003, the document rendered once for the audit row and the cache.
CREATE OR REPLACE FUNCTION bdg.plan_after() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	doc jsonb;
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM bdg.audit_write('plan', OLD.id, bdg.plan_key(OLD), 'delete',
			(SELECT u.path FROM bdg.unit u WHERE u.id = OLD.unit_id),
			coalesce(bdg.audit_last('plan', OLD.id), bdg.plan_doc(OLD)), NULL);
		RETURN OLD;
	END IF;
	doc := bdg.plan_doc(NEW);
	PERFORM bdg.audit_write('plan', NEW.id, bdg.plan_key(NEW),
		CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END,
		(SELECT u.path FROM bdg.unit u WHERE u.id = NEW.unit_id),
		CASE WHEN TG_OP = 'UPDATE' THEN coalesce(bdg.audit_last('plan', OLD.id), bdg.plan_doc(OLD)) END,
		doc);
	PERFORM bdg.plan_cache_store(NEW.id, doc);
	PERFORM set_config('bdg.plan_rendered', NEW.id::text, true);
	RETURN NEW;
END $$;

DROP TRIGGER plan_cache_insert ON bdg.plan;
DROP TRIGGER plan_cache_update ON bdg.plan;
DROP FUNCTION bdg.plan_cache_rows();

-- As 003, forgetting the rendered mark before a part is written.
CREATE OR REPLACE FUNCTION bdg.plan_part_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	p bdg.plan;
	w record;
BEGIN
	PERFORM set_config('bdg.plan_rendered', '', true);
	FOR p IN SELECT * FROM bdg.plan
	         WHERE id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.plan_id END,
	                      CASE WHEN TG_OP <> 'DELETE' THEN NEW.plan_id END)
	           AND status <> 'draft' LOOP
		PERFORM bdg.fail('BD409', format('plan %s is %s: its %s can no longer be changed',
			bdg.plan_label(p), p.status,
			CASE TG_TABLE_NAME WHEN 'plan_recipient' THEN 'recipients' ELSE 'reporting entries' END));
	END LOOP;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	IF TG_TABLE_NAME = 'plan_reporting' THEN
		IF NOT bdg.period_valid(NEW.period) THEN
			PERFORM bdg.fail('BD422', format('period "%s" is not a year (2024), a half (2024-H1), '
				'a quarter (2024-Q3) or a month (2024-05)', NEW.period), '/reporting');
		END IF;
		w := bdg.default_window(NEW.period);
		NEW.data_from := coalesce(NEW.data_from, w.data_from);
		NEW.data_to := coalesce(NEW.data_to, w.data_to);
	END IF;
	RETURN NEW;
END $$;

-- As 003, for the plans not rendered since.
CREATE OR REPLACE FUNCTION bdg.plan_part_after() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(DISTINCT plan_id) INTO ids FROM new_rows;
	ELSIF TG_OP = 'UPDATE' THEN
		SELECT array_agg(DISTINCT x.plan_id) INTO ids
		FROM (SELECT plan_id FROM new_rows UNION SELECT plan_id FROM old_rows) x;
	ELSE
		SELECT array_agg(DISTINCT plan_id) INTO ids FROM old_rows;
	END IF;
	ids := bdg.plan_unrendered(ids);
	IF ids <> '{}' THEN
		PERFORM bdg.plan_changed(ids);
	END IF;
	RETURN NULL;
END $$;

-- As 015, for the plans not rendered since.
CREATE OR REPLACE FUNCTION bdg.plan_cache_parts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(DISTINCT n.plan_id) INTO ids FROM new_rows n;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(DISTINCT o.plan_id) INTO ids FROM old_rows o;
	ELSE
		SELECT array_agg(DISTINCT x.plan_id) INTO ids
		FROM (SELECT plan_id FROM new_rows UNION SELECT plan_id FROM old_rows) x;
	END IF;
	ids := bdg.plan_unrendered(ids);
	IF ids <> '{}' THEN
		PERFORM bdg.plan_cache_refresh(ids);
	END IF;
	RETURN NULL;
END $$;
