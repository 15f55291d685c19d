-- 006_plans_api.sql: what the plans and activities API (lib/plan.c,
-- lib/activity.c) reads through, so that each rule is written once:
--   * bdg.plan_visible(plan, actor_path): who reads a plan (and its
--     activities, tree and document); every read statement filters with it;
--   * bdg.plan_writable(plan, actor_path): whose editors write it;
--   * bdg.activity_visible(activity, actor_path): a plan's readers, plus the
--     units that lead or coordinate the activity;
--   * bdg.unit_active(unit, from, to): a unit exists during a span;
--   * bdg.plan_issue_problems(plan, on): why a draft cannot be issued yet;
--   * bdg.plan_tree(plan, actor_path): the cascade below a plan.
-- Functions and an index only: no table changes.

-- Today in Vietnam (UTC+7): the date a plan issued now carries.
CREATE FUNCTION bdg.local_today() RETURNS date
LANGUAGE sql STABLE AS $$
	SELECT (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
$$;

-- A caller whose token names the unit at path `actor` reads a plan when
--   * its issuing unit lies in the caller's subtree (the caller's own plans
--     and those of its subunits), or
--   * its issuing unit is an ancestor of the caller's unit (plans reach down
--     to the units that implement them), or
--   * the caller's unit, or one of its ancestors, is a recipient (Nơi nhận)
--     of the plan: a plan addressed to a unit reaches that unit's subtree.
-- Whatever the plan's status. NULL actor (a token naming no unit): nothing.
CREATE FUNCTION bdg.plan_visible(p bdg.plan, actor ltree) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT actor IS NOT NULL AND p.id IS NOT NULL AND (
		EXISTS (SELECT 1 FROM bdg.unit u
		        WHERE u.id = p.unit_id AND (u.path <@ actor OR actor <@ u.path))
		OR EXISTS (SELECT 1 FROM bdg.plan_recipient r JOIN bdg.unit ru ON ru.id = r.unit_id
		           WHERE r.plan_id = p.id AND actor <@ ru.path))
$$;

-- The same by id (false for a plan that does not exist).
CREATE FUNCTION bdg.plan_visible(pid bigint, actor ltree) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT bdg.plan_visible(p, actor) FROM bdg.plan p WHERE p.id = pid), false)
$$;

-- Editors (and above) write the plans issued in their subtree; the database
-- still refuses content changes once the plan is no longer a draft.
CREATE FUNCTION bdg.plan_writable(p bdg.plan, actor ltree) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT actor IS NOT NULL AND EXISTS (SELECT 1 FROM bdg.unit u WHERE u.id = p.unit_id AND u.path <@ actor)
$$;

-- An activity is read by its plan's readers, and by the subtree of its lead
-- unit and of each coordinating unit (who must see the tasks given to
-- them, even when the plan is not addressed to them).
CREATE FUNCTION bdg.activity_visible(a bdg.activity, actor ltree) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT actor IS NOT NULL AND a.id IS NOT NULL AND (
		bdg.plan_visible(a.plan_id, actor)
		OR EXISTS (SELECT 1 FROM bdg.unit u WHERE u.id = a.lead_unit_id AND u.path <@ actor)
		OR EXISTS (SELECT 1 FROM bdg.activity_unit au JOIN bdg.unit u ON u.id = au.unit_id
		           WHERE au.activity_id = a.id AND u.path <@ actor))
$$;

-- A unit exists at some time between d_from and d_to (its valid_from ..
-- valid_to, open ends included, overlaps the span).
CREATE FUNCTION bdg.unit_active(u bdg.unit, d_from date, d_to date) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT (u.valid_from IS NULL OR u.valid_from <= d_to) AND (u.valid_to IS NULL OR u.valid_to >= d_from)
$$;

-- Why plan p cannot be issued on date `on` (no rows: it can). A plan is
-- complete with a title, a year, at least one activity, and recipients that
-- exist on the date of issue; that date is not in the future and falls in
-- the plan's year (or the year before, as plan_issued_on_year allows).
-- Recipient pointers index the recipients as the API lists them (by code).
CREATE FUNCTION bdg.plan_issue_problems(pid bigint, d date)
RETURNS TABLE (field text, message text)
LANGUAGE sql STABLE AS $$
	WITH p AS (SELECT * FROM bdg.plan WHERE id = pid)
	SELECT '/title', 'a plan needs a title before it is issued' FROM p
	WHERE coalesce(btrim(p.title), '') = ''
	UNION ALL
	SELECT '/year', 'a plan needs a year before it is issued' FROM p WHERE p.year IS NULL
	UNION ALL
	SELECT '/activities', 'a plan needs at least one activity before it is issued' FROM p
	WHERE NOT EXISTS (SELECT 1 FROM bdg.activity a WHERE a.plan_id = p.id)
	UNION ALL
	SELECT '/issued_on', format('the date of issue %s is in the future', d) FROM p
	WHERE d > bdg.local_today()
	UNION ALL
	SELECT '/issued_on', format('the date of issue %s does not fall in %s or the year before', d, p.year) FROM p
	WHERE d NOT BETWEEN make_date(p.year - 1, 1, 1) AND make_date(p.year, 12, 31)
	UNION ALL
	SELECT '/recipients/' || (x.n - 1), format('unit %s does not exist on the date of issue %s', x.code, d)
	FROM (SELECT u.code, u.valid_from, u.valid_to, row_number() OVER (ORDER BY u.code) AS n
	      FROM bdg.plan_recipient r JOIN bdg.unit u ON u.id = r.unit_id
	      WHERE r.plan_id = pid) x
	WHERE NOT ((x.valid_from IS NULL OR x.valid_from <= d) AND (x.valid_to IS NULL OR x.valid_to >= d))
$$;

-- The cascade below plan `root` as the caller at `actor` sees it:
--   {"plan": {id, unit, unit_name, number, year, type, title, status,
--             issued_on, plans_due_on},
--    "recipients": [{unit, name, status: none | draft | issued,
--                    plan: id of its implementing plan when the caller can
--                    read it (else null), issued_on, late}],
--    "children": [the same for every implementing plan the caller can read]}
-- A recipient's implementing plan is a plan of that unit whose parent_plan
-- is this plan (cancelled ones do not count); issued (or since superseded)
-- beats draft. `late`: plans_due_on is set and the plan was issued after it,
-- or is still not issued after it. At most 20 levels.
CREATE FUNCTION bdg.plan_tree(root bigint, actor ltree, depth int DEFAULT 0) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	p bdg.plan;
	today date := bdg.local_today();
	recipients jsonb;
	children jsonb;
BEGIN
	SELECT * INTO p FROM bdg.plan WHERE id = root;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	SELECT coalesce(jsonb_agg(jsonb_build_object(
			'unit', x.code, 'name', x.name,
			'status', CASE WHEN x.cid IS NULL THEN 'none' WHEN x.done THEN 'issued' ELSE 'draft' END,
			'plan', CASE WHEN x.cid IS NOT NULL AND bdg.plan_visible(x.cid, actor) THEN x.cid END,
			'issued_on', CASE WHEN x.done THEN x.on_date END,
			'late', p.plans_due_on IS NOT NULL AND
				CASE WHEN x.done THEN x.on_date > p.plans_due_on ELSE today > p.plans_due_on END)
			ORDER BY x.code), '[]'::jsonb)
	INTO recipients
	FROM (SELECT u.code, u.name, c.id AS cid, coalesce(c.status IN ('issued', 'superseded'), false) AS done,
	             coalesce(c.issued_on, (c.issued_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) AS on_date
	      FROM bdg.plan_recipient r JOIN bdg.unit u ON u.id = r.unit_id
	      LEFT JOIN LATERAL (
		SELECT c.* FROM bdg.plan c
		WHERE c.parent_plan_id = p.id AND c.unit_id = r.unit_id AND c.status <> 'cancelled'
		ORDER BY c.status IN ('issued', 'superseded') DESC, c.status = 'issued' DESC, c.id DESC
		LIMIT 1) c ON true
	      WHERE r.plan_id = p.id) x;
	IF depth < 20 THEN
		SELECT coalesce(jsonb_agg(bdg.plan_tree(c.id, actor, depth + 1) ORDER BY c.id), '[]'::jsonb)
		INTO children
		FROM bdg.plan c WHERE c.parent_plan_id = p.id AND bdg.plan_visible(c, actor);
	ELSE
		children := '[]'::jsonb;
	END IF;
	RETURN jsonb_build_object(
		'plan', jsonb_build_object('id', p.id,
			'unit', (SELECT u.code FROM bdg.unit u WHERE u.id = p.unit_id),
			'unit_name', (SELECT u.name FROM bdg.unit u WHERE u.id = p.unit_id),
			'number', p.number, 'year', p.year, 'type', p.type, 'title', p.title,
			'status', p.status, 'issued_on', p.issued_on, 'plans_due_on', p.plans_due_on),
		'recipients', recipients,
		'children', children);
END $$;

-- GET /plans?status=...
CREATE INDEX plan_status_idx ON bdg.plan (status);
