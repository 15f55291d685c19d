-- 003_plans.sql: plans (kế hoạch, công văn hướng dẫn), their recipients and
-- reporting entries, activities with their coordinating units, the indicator
-- catalogue and the targets a plan sets.
--
-- Resources and their API form (bdg.<resource>_doc), audited by trigger:
--   plan      key "UNIT NUMBER YEAR" ("HUE-SYT 595/KH-SYT 2019"; "#id" for a
--             plan without a number), scope = path of the issuing unit
--   activity  key = id,                          scope = issuing unit's path
--   indicator key = code,                        scope NULL (everyone reads)
--   target    key "PLAN INDICATOR UNIT SEX",     scope = issuing unit's path
--
-- Recipients, reporting entries and coordinating units are parts of their
-- parent's document, not resources. Choice: TRIGGERS keep the parent's
-- version and audit right, whoever writes the child rows (API, bulk, psql):
--   * statement-level triggers on plan_recipient/plan_reporting (and on
--     activity_unit) collect the parents touched by the statement;
--   * if the parent was already written and audited in this transaction
--     (its latest audit row is ours), that audit row's "after" is refreshed
--     with the parent's current document: one write, one revision;
--   * otherwise the parent row gets `children_rev + 1`, so bdg.touch bumps
--     its version and updated_at and its AFTER trigger writes an 'update'.
--   So POST plan + recipients + reporting in one transaction is version 1
--   and one 'create' revision. Write the parent row first, then children;
--   an UPDATE of the parent row after its children counts as a second write.
--   The "before" of a parent's audit row is the "after" of its previous
--   audit row (bdg.audit_last), which is exactly what readers last saw,
--   children included; bdg.audit_mine/audit_last are reusable for reports.
--
-- Lifecycle, enforced here: a plan is 'draft' (anything may change) →
-- 'issued' (content frozen: BD409) → 'superseded' (superseded_by, an issued
-- plan) or 'cancelled' (with a reason); a draft may also be cancelled.
-- Once a plan is not a draft: its recipients, reporting entries,
-- activities (insert, delete, content) and coordinating units are frozen;
-- only an activity's status and progress still change. Only drafts are
-- deleted (their activities and targets go with them, audited). Targets
-- are not frozen (units are often assigned targets after issue).
-- To load an issued plan with content, insert it as a draft, add the
-- children, then set status 'issued' (demo/demo.sql does so).
-- number, issued_on may be NULL at any status (seed copies lack them);
-- the natural key unit+number+year is unique where number is not NULL.
--
-- Constraint → JSON field (for the API's error mapping):
--   plan_number_format, plan_number_unique (409)        /number
--   plan_year_range /year   plan_type_enum /type   plan_status_enum /status
--   plan_title_length /title   plan_place_length /place
--   plan_funding_length /funding   plan_signer_length /signer
--   plan_signer_title_length /signer_title
--   plan_legal_bases_items /legal_bases   plan_objectives_items /objectives
--   plan_issued_on_year /issued_on      plan_parent_self /parent_plan
--   plan_superseded_self, plan_superseded_status       /superseded_by
--   plan_cancelled_status /status   plan_cancelled_reason_required,
--   plan_cancelled_reason_length /cancelled_reason
--   plan_unit_id_fkey /unit   plan_parent_plan_id_fkey /parent_plan
--   plan_superseded_by_id_fkey /superseded_by
--   plan_recipient_pkey (409), plan_recipient_unit_id_fkey /recipients
--   plan_reporting_pkey (409), plan_reporting_period_format,
--   plan_reporting_window_order, plan_reporting_due_order  /reporting
--   activity_section_format /section   activity_category_enum /category
--   activity_title_length /title   activity_description_length /description
--   activity_dates_order /ends_on   activity_budget_nonnegative /budget_vnd
--   activity_status_enum /status   activity_progress_range /progress
--   activity_plan_id_fkey /plan   activity_lead_unit_id_fkey /lead_unit
--   activity_unit_pkey (409), activity_unit_unit_id_fkey /coordinating_units
--   indicator_code_format, indicator_code_unique (409) /code
--   indicator_name_length /name   indicator_measure_enum /measure
--   indicator_aggregation_enum, indicator_aggregation_measure /aggregation
--   indicator_ratio_parts, indicator_ratio_self, indicator_numerator_id_fkey
--     /numerator   indicator_denominator_id_fkey /denominator
--   indicator_numerator_sex_enum /numerator_sex
--   indicator_denominator_sex_enum /denominator_sex
--   indicator_scale_positive /scale   indicator_unit_of_measure_length
--     /unit_of_measure   indicator_source_length /source
--   indicator_description_length /description
--   target_sex_enum /sex   target_year_range /year
--   target_baseline_nonnegative /baseline   target_target_nonnegative /target
--   target_natural_key (409) /indicator   target_indicator_id_fkey /indicator
--   target_unit_id_fkey /unit   target_plan_id_fkey /plan
--   (plan_recipient_plan_id_fkey, plan_reporting_plan_id_fkey,
--   activity_unit_activity_id_fkey: the parent in the URL is gone: 404)
-- Domain rules raised by triggers carry their own field (bdg.fail).

-- Periods ------------------------------------------------------------------

-- A reporting period: '2024' (year), '2024-H1'/'2024-H2', '2024-Q1'..'Q4',
-- '2024-05' (month).
CREATE FUNCTION bdg.period_valid(period text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
	SELECT period ~ '^2[0-9]{3}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$'
$$;

-- The data window of a period by the closing dates of Nghị định
-- 09/2019/NĐ-CP, Điều 12 (day 15 of the month before the period to day 14
-- of its last month):
--   year Y     15/12/Y-1 – 14/12/Y     Y-H1  15/12/Y-1 – 14/6/Y
--   Y-H2       15/6/Y    – 14/12/Y     (the decree names no H2: the rest of the year)
--   Y-Qn       15 of the month before the quarter – 14 of its last month
--   Y-MM       15 of the month before – 14 of MM
-- NULLs for a malformed period.
CREATE FUNCTION bdg.default_window(period text, OUT data_from date, OUT data_to date)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	y int;
	m int;
BEGIN
	IF period IS NULL OR NOT bdg.period_valid(period) THEN
		RETURN;
	END IF;
	y := substr(period, 1, 4)::int;
	IF length(period) = 4 THEN
		data_from := make_date(y - 1, 12, 15);
		data_to := make_date(y, 12, 14);
	ELSIF period LIKE '%-H1' THEN
		data_from := make_date(y - 1, 12, 15);
		data_to := make_date(y, 6, 14);
	ELSIF period LIKE '%-H2' THEN
		data_from := make_date(y, 6, 15);
		data_to := make_date(y, 12, 14);
	ELSE
		IF substr(period, 6, 1) = 'Q' THEN
			m := substr(period, 7, 1)::int * 3;        -- last month of the quarter
			data_from := (make_date(y, m - 2, 15) - interval '1 month')::date;
		ELSE
			m := substr(period, 6, 2)::int;
			data_from := (make_date(y, m, 15) - interval '1 month')::date;
		END IF;
		data_to := make_date(y, m, 14);
	END IF;
END $$;

-- Section numbers ------------------------------------------------------------

-- The value of a canonical roman numeral ("IV" = 4), NULL when not one.
CREATE FUNCTION bdg.roman_value(t text) RETURNS int
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
	total int := 0;
	prev int := 0;
	v int;
	i int;
BEGIN
	IF t = '' OR t !~ '^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$' THEN
		RETURN NULL;
	END IF;
	FOR i IN REVERSE length(t)..1 LOOP
		v := CASE substr(t, i, 1) WHEN 'I' THEN 1 WHEN 'V' THEN 5 WHEN 'X' THEN 10
			WHEN 'L' THEN 50 WHEN 'C' THEN 100 WHEN 'D' THEN 500 ELSE 1000 END;
		IF v < prev THEN
			total := total - v;
		ELSE
			total := total + v;
			prev := v;
		END IF;
	END LOOP;
	RETURN total;
END $$;

-- The document order of a section number as an int array: "II.3.a" ->
-- {2,3,1}. Parts are separated by dots; each is a roman numeral (upper
-- case), a number (1-999) or one lower-case letter of a Vietnamese list
-- (a b c d đ e g h i k ..., đ after d). At most 6 parts. NULL when malformed.
-- Arrays compare element by element, a prefix first: II.3 < II.3.a < II.10.
CREATE FUNCTION bdg.section_key(section text) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
	parts text[] := string_to_array(section, '.');
	k int[] := '{}';
	t text;
	v int;
BEGIN
	IF cardinality(parts) NOT BETWEEN 1 AND 6 THEN
		RETURN NULL;
	END IF;
	FOREACH t IN ARRAY parts LOOP
		IF t ~ '^[1-9][0-9]{0,2}$' THEN
			v := t::int;
		ELSIF t ~ '^[a-zđ]$' THEN
			v := strpos('abcdđefghijklmnopqrstuvwxyz', t);
		ELSE
			v := bdg.roman_value(t);
		END IF;
		IF v IS NULL THEN
			RETURN NULL;
		END IF;
		k := k || v;
	END LOOP;
	RETURN k;
END $$;

-- Audit helpers for documents with child rows ---------------------------------

-- The "after" of the latest audit row of a resource (NULL when none).
CREATE FUNCTION bdg.audit_last(res text, rid bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT a.after FROM bdg.audit a
	WHERE a.resource = res AND a.resource_id = rid
	ORDER BY a.revision DESC LIMIT 1
$$;

-- The revision of the latest audit row of a resource when this transaction
-- wrote it (and it is not a deletion), else NULL. The writer holds the
-- resource row's lock until commit, so no later row of another transaction
-- can exist. xmin and the transaction start time identify "this transaction"
-- (rows written under a savepoint do not match: the caller then writes anew).
CREATE FUNCTION bdg.audit_mine(res text, rid bigint) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
	SELECT a.revision FROM (
		SELECT a.revision, a.op, a.at, a.xmin FROM bdg.audit a
		WHERE a.resource = res AND a.resource_id = rid
		ORDER BY a.revision DESC LIMIT 1) a
	WHERE a.op <> 'delete' AND a.at = now() AND a.xmin = pg_current_xact_id()::xid
$$;

-- Plans ------------------------------------------------------------------------

CREATE TABLE bdg.plan (
	id               bigserial PRIMARY KEY,
	unit_id          bigint NOT NULL REFERENCES bdg.unit (id),
	number           text CONSTRAINT plan_number_format
	                 CHECK (length(number) <= 64 AND number ~ '^[0-9]+[^/[:space:]]*/[^[:space:]]+$'),
	year             int NOT NULL CONSTRAINT plan_year_range CHECK (year BETWEEN 2000 AND 2100),
	type             text NOT NULL DEFAULT 'plan'
	                 CONSTRAINT plan_type_enum CHECK (type IN ('plan', 'guidance')),
	issued_on        date,
	place            text CONSTRAINT plan_place_length CHECK (length(place) BETWEEN 1 AND 200),
	title            text NOT NULL CONSTRAINT plan_title_length CHECK (length(btrim(title)) BETWEEN 1 AND 1000),
	parent_plan_id   bigint REFERENCES bdg.plan (id),
	legal_bases      text[] NOT NULL DEFAULT '{}' CONSTRAINT plan_legal_bases_items
	                 CHECK (coalesce(array_ndims(legal_bases), 1) = 1 AND cardinality(legal_bases) <= 100
	                        AND array_position(legal_bases, NULL) IS NULL AND NOT '' = ANY (legal_bases)),
	objectives       text[] NOT NULL DEFAULT '{}' CONSTRAINT plan_objectives_items
	                 CHECK (coalesce(array_ndims(objectives), 1) = 1 AND cardinality(objectives) <= 100
	                        AND array_position(objectives, NULL) IS NULL AND NOT '' = ANY (objectives)),
	funding          text CONSTRAINT plan_funding_length CHECK (length(funding) <= 4000),
	plans_due_on     date,               -- recipients send their implementing plans by
	signer           text CONSTRAINT plan_signer_length CHECK (length(signer) BETWEEN 1 AND 200),
	signer_title     text CONSTRAINT plan_signer_title_length CHECK (length(signer_title) BETWEEN 1 AND 200),
	status           text NOT NULL DEFAULT 'draft' CONSTRAINT plan_status_enum
	                 CHECK (status IN ('draft', 'issued', 'superseded', 'cancelled')),
	issued_at        timestamptz,        -- set when it becomes 'issued' (now() unless given)
	superseded_by_id bigint REFERENCES bdg.plan (id),
	cancelled_reason text CONSTRAINT plan_cancelled_reason_length CHECK (length(cancelled_reason) <= 1000),
	cancelled_at     timestamptz,        -- set when it becomes 'cancelled' (now() unless given)
	children_rev     int NOT NULL DEFAULT 0,   -- bumped when recipients/reporting change
	version          int NOT NULL DEFAULT 1,
	created_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now(),
	search           text NOT NULL DEFAULT '',
	CONSTRAINT plan_number_unique UNIQUE (unit_id, number, year),
	CONSTRAINT plan_issued_on_year CHECK (issued_on BETWEEN make_date(year - 1, 1, 1) AND make_date(year, 12, 31)),
	CONSTRAINT plan_parent_self CHECK (parent_plan_id <> id),
	CONSTRAINT plan_superseded_self CHECK (superseded_by_id <> id),
	CONSTRAINT plan_superseded_status CHECK ((status = 'superseded') = (superseded_by_id IS NOT NULL)),
	CONSTRAINT plan_cancelled_status CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
	CONSTRAINT plan_cancelled_reason_required
	           CHECK (status <> 'cancelled' OR coalesce(length(btrim(cancelled_reason)), 0) > 0)
);
CREATE INDEX plan_unit_year_idx ON bdg.plan (unit_id, year);
CREATE INDEX plan_year_idx ON bdg.plan (year);
CREATE INDEX plan_parent_idx ON bdg.plan (parent_plan_id);

-- Units addressed by the plan (Nơi nhận) that must implement and report on it.
CREATE TABLE bdg.plan_recipient (
	plan_id bigint NOT NULL REFERENCES bdg.plan (id) ON DELETE CASCADE,
	unit_id bigint NOT NULL REFERENCES bdg.unit (id),
	CONSTRAINT plan_recipient_pkey PRIMARY KEY (plan_id, unit_id)
);
CREATE INDEX plan_recipient_unit_idx ON bdg.plan_recipient (unit_id);

-- Chế độ báo cáo: one entry per period, with its deadline and data window
-- (defaults: bdg.default_window). Reports reference (plan_id, period).
CREATE TABLE bdg.plan_reporting (
	plan_id   bigint NOT NULL REFERENCES bdg.plan (id) ON DELETE CASCADE,
	period    text NOT NULL CONSTRAINT plan_reporting_period_format CHECK (bdg.period_valid(period)),
	due_on    date NOT NULL,
	data_from date NOT NULL,
	data_to   date NOT NULL,
	CONSTRAINT plan_reporting_pkey PRIMARY KEY (plan_id, period),
	CONSTRAINT plan_reporting_window_order CHECK (data_to >= data_from),
	CONSTRAINT plan_reporting_due_order CHECK (due_on > data_from)
);

-- "595/KH-SYT of 2019", or "#17" without a number: for messages.
CREATE FUNCTION bdg.plan_label(p bdg.plan) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p.number IS NULL THEN '#' || p.id ELSE p.number || ' of ' || p.year END
$$;

-- The audit key: "HUE-SYT 595/KH-SYT 2019" (unit, number or #id, year).
CREATE FUNCTION bdg.plan_key(p bdg.plan) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT concat_ws(' ', (SELECT u.code FROM bdg.unit u WHERE u.id = p.unit_id),
		coalesce(p.number, '#' || p.id), p.year)
$$;

-- The audit scope of anything belonging to a plan: its issuing unit's path.
CREATE FUNCTION bdg.plan_scope(plan_id bigint) RETURNS ltree
LANGUAGE sql STABLE AS $$
	SELECT u.path FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id WHERE p.id = $1
$$;

-- Search text, lifecycle (transitions and the frozen content of a plan
-- that is no longer a draft), the superseding plan, no cycle of parents.
CREATE FUNCTION bdg.plan_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	frozen_free CONSTANT text[] := '{status,superseded_by_id,cancelled_reason,cancelled_at,version,updated_at,created_at,search}';
BEGIN
	NEW.search := bdg.fold(concat_ws(' ', NEW.number, NEW.title, array_to_string(NEW.objectives, ' ')));
	IF TG_OP = 'UPDATE' THEN
		IF OLD.status <> 'draft' AND (to_jsonb(NEW) - frozen_free) <> (to_jsonb(OLD) - frozen_free) THEN
			PERFORM bdg.fail('BD409', format('plan %s is %s: its content can no longer be changed',
				bdg.plan_label(OLD), OLD.status));
		END IF;
		IF NEW.status <> OLD.status AND NOT (
		   (OLD.status = 'draft' AND NEW.status IN ('issued', 'cancelled')) OR
		   (OLD.status = 'issued' AND NEW.status IN ('superseded', 'cancelled'))) THEN
			PERFORM bdg.fail('BD409', format('plan %s cannot go from %s to %s',
				bdg.plan_label(OLD), OLD.status, NEW.status), '/status');
		END IF;
	END IF;
	IF NEW.status = 'issued' AND NEW.issued_at IS NULL THEN
		NEW.issued_at := now();
	END IF;
	IF NEW.status = 'cancelled' AND NEW.cancelled_at IS NULL THEN
		NEW.cancelled_at := now();
	END IF;
	IF NEW.superseded_by_id IS NOT NULL AND NEW.superseded_by_id <> NEW.id
	   AND (TG_OP = 'INSERT' OR NEW.superseded_by_id IS DISTINCT FROM OLD.superseded_by_id)
	   AND NOT EXISTS (SELECT 1 FROM bdg.plan s WHERE s.id = NEW.superseded_by_id AND s.status = 'issued') THEN
		PERFORM bdg.fail('BD422', 'a plan can only be superseded by an issued plan', '/superseded_by');
	END IF;
	IF NEW.parent_plan_id IS NOT NULL AND NEW.parent_plan_id <> NEW.id
	   AND (TG_OP = 'INSERT' OR NEW.parent_plan_id IS DISTINCT FROM OLD.parent_plan_id)
	   AND EXISTS (
		WITH RECURSIVE up (id, parent) AS (
			SELECT p.id, p.parent_plan_id FROM bdg.plan p WHERE p.id = NEW.parent_plan_id
			UNION
			SELECT p.id, p.parent_plan_id FROM bdg.plan p JOIN up ON p.id = up.parent)
		SELECT 1 FROM up WHERE up.id = NEW.id) THEN
		PERFORM bdg.fail('BD422', 'a plan cannot implement a plan that implements it', '/parent_plan');
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER plan_before BEFORE INSERT OR UPDATE ON bdg.plan
	FOR EACH ROW EXECUTE FUNCTION bdg.plan_before();
CREATE TRIGGER plan_touch BEFORE UPDATE ON bdg.plan
	FOR EACH ROW EXECUTE FUNCTION bdg.touch();

-- Only drafts are deleted. Their activities and targets are deleted first,
-- while the plan still exists, so that each is audited with its scope.
CREATE FUNCTION bdg.plan_before_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.status <> 'draft' THEN
		PERFORM bdg.fail('BD409', format('plan %s is %s and cannot be deleted; cancel it instead',
			bdg.plan_label(OLD), OLD.status));
	END IF;
	IF EXISTS (SELECT 1 FROM bdg.plan c WHERE c.parent_plan_id = OLD.id) THEN
		PERFORM bdg.fail('BD409', format('plan %s cannot be deleted: other plans implement it',
			bdg.plan_label(OLD)));
	END IF;
	DELETE FROM bdg.target WHERE plan_id = OLD.id;
	DELETE FROM bdg.activity WHERE plan_id = OLD.id;
	RETURN OLD;
END $$;

CREATE TRIGGER plan_before_delete BEFORE DELETE ON bdg.plan
	FOR EACH ROW EXECUTE FUNCTION bdg.plan_before_delete();

CREATE FUNCTION bdg.plan_after() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM bdg.audit_write('plan', OLD.id, bdg.plan_key(OLD), 'delete',
			(SELECT u.path FROM bdg.unit u WHERE u.id = OLD.unit_id),
			coalesce(bdg.audit_last('plan', OLD.id), bdg.plan_doc(OLD)), NULL);
		RETURN OLD;
	END IF;
	PERFORM bdg.audit_write('plan', NEW.id, bdg.plan_key(NEW),
		CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END,
		(SELECT u.path FROM bdg.unit u WHERE u.id = NEW.unit_id),
		CASE WHEN TG_OP = 'UPDATE' THEN coalesce(bdg.audit_last('plan', OLD.id), bdg.plan_doc(OLD)) END,
		bdg.plan_doc(NEW));
	RETURN NEW;
END $$;

CREATE TRIGGER plan_after AFTER INSERT OR UPDATE OR DELETE ON bdg.plan
	FOR EACH ROW EXECUTE FUNCTION bdg.plan_after();

-- The recipients or reporting entries of these plans changed: fold the
-- change into this transaction's audit row of the plan, or bump the plan.
CREATE FUNCTION bdg.plan_changed(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	p bdg.plan;
	rev bigint;
BEGIN
	FOR p IN SELECT * FROM bdg.plan WHERE id = ANY (ids) ORDER BY id LOOP
		rev := bdg.audit_mine('plan', p.id);
		IF rev IS NOT NULL THEN
			UPDATE bdg.audit SET after = bdg.plan_doc(p) WHERE revision = rev;
		ELSE
			UPDATE bdg.plan SET children_rev = children_rev + 1 WHERE id = p.id;
		END IF;
	END LOOP;
END $$;

-- Recipients and reporting entries of a plan that is no longer a draft
-- are frozen; reporting windows default to bdg.default_window.
CREATE FUNCTION bdg.plan_part_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	p bdg.plan;
	w record;
BEGIN
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

-- Statement level, for plan_recipient and plan_reporting: the plans touched.
CREATE FUNCTION bdg.plan_part_after() RETURNS trigger
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
	IF ids IS NOT NULL THEN
		PERFORM bdg.plan_changed(ids);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER plan_recipient_before BEFORE INSERT OR UPDATE OR DELETE ON bdg.plan_recipient
	FOR EACH ROW EXECUTE FUNCTION bdg.plan_part_before();
CREATE TRIGGER plan_recipient_after_insert AFTER INSERT ON bdg.plan_recipient
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_part_after();
CREATE TRIGGER plan_recipient_after_update AFTER UPDATE ON bdg.plan_recipient
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_part_after();
CREATE TRIGGER plan_recipient_after_delete AFTER DELETE ON bdg.plan_recipient
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_part_after();

CREATE TRIGGER plan_reporting_before BEFORE INSERT OR UPDATE OR DELETE ON bdg.plan_reporting
	FOR EACH ROW EXECUTE FUNCTION bdg.plan_part_before();
CREATE TRIGGER plan_reporting_after_insert AFTER INSERT ON bdg.plan_reporting
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_part_after();
CREATE TRIGGER plan_reporting_after_update AFTER UPDATE ON bdg.plan_reporting
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_part_after();
CREATE TRIGGER plan_reporting_after_delete AFTER DELETE ON bdg.plan_reporting
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.plan_part_after();

-- Activities -----------------------------------------------------------------

CREATE TABLE bdg.activity (
	id           bigserial PRIMARY KEY,
	plan_id      bigint NOT NULL REFERENCES bdg.plan (id) ON DELETE CASCADE,
	section      text NOT NULL CONSTRAINT activity_section_format CHECK (bdg.section_key(section) IS NOT NULL),
	section_key  int[],                 -- bdg.section_key(section), kept by trigger
	category     text NOT NULL DEFAULT 'other' CONSTRAINT activity_category_enum
	             CHECK (category IN ('communication', 'capacity_building', 'targeted_direction',
	                    'victim_support', 'model', 'action_month', 'committee', 'inspection',
	                    'statistics', 'commendation', 'other')),
	title        text NOT NULL CONSTRAINT activity_title_length CHECK (length(btrim(title)) BETWEEN 1 AND 1000),
	description  text CONSTRAINT activity_description_length CHECK (length(description) <= 20000),
	lead_unit_id bigint NOT NULL REFERENCES bdg.unit (id),   -- defaults to the issuing unit
	starts_on    date,
	ends_on      date,
	budget_vnd   bigint CONSTRAINT activity_budget_nonnegative CHECK (budget_vnd >= 0),
	status       text NOT NULL DEFAULT 'planned' CONSTRAINT activity_status_enum
	             CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
	progress     int CONSTRAINT activity_progress_range CHECK (progress BETWEEN 0 AND 100),
	children_rev int NOT NULL DEFAULT 0,   -- bumped when coordinating units change
	version      int NOT NULL DEFAULT 1,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	search       text NOT NULL DEFAULT '',
	CONSTRAINT activity_dates_order CHECK (ends_on >= starts_on)
);
CREATE INDEX activity_plan_idx ON bdg.activity (plan_id, section_key, id);
CREATE INDEX activity_lead_idx ON bdg.activity (lead_unit_id);
CREATE INDEX activity_dates_idx ON bdg.activity (starts_on, ends_on);

-- Coordinating units (phối hợp).
CREATE TABLE bdg.activity_unit (
	activity_id bigint NOT NULL REFERENCES bdg.activity (id) ON DELETE CASCADE,
	unit_id     bigint NOT NULL REFERENCES bdg.unit (id),
	CONSTRAINT activity_unit_pkey PRIMARY KEY (activity_id, unit_id)
);
CREATE INDEX activity_unit_unit_idx ON bdg.activity_unit (unit_id);

-- The API form of a plan (defined here: it counts the plan's activities).
CREATE FUNCTION bdg.plan_doc(p bdg.plan) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', p.id,
		'unit', (SELECT u.code FROM bdg.unit u WHERE u.id = p.unit_id),
		'number', p.number, 'year', p.year, 'type', p.type,
		'issued_on', p.issued_on, 'place', p.place, 'title', p.title,
		'parent_plan', p.parent_plan_id,
		'legal_bases', to_jsonb(p.legal_bases), 'objectives', to_jsonb(p.objectives),
		'funding', p.funding,
		'recipients', coalesce((SELECT jsonb_agg(u.code ORDER BY u.code)
			FROM bdg.plan_recipient r JOIN bdg.unit u ON u.id = r.unit_id
			WHERE r.plan_id = p.id), '[]'::jsonb),
		'reporting', coalesce((SELECT jsonb_agg(jsonb_build_object('period', r.period,
				'due_on', r.due_on, 'data_from', r.data_from, 'data_to', r.data_to)
				ORDER BY r.data_to, r.data_from DESC, r.period)
			FROM bdg.plan_reporting r WHERE r.plan_id = p.id), '[]'::jsonb),
		'plans_due_on', p.plans_due_on,
		'signer', p.signer, 'signer_title', p.signer_title,
		'status', p.status, 'issued_at', p.issued_at,
		'superseded_by', p.superseded_by_id,
		'cancelled_reason', p.cancelled_reason, 'cancelled_at', p.cancelled_at,
		'activity_count', (SELECT count(*) FROM bdg.activity a WHERE a.plan_id = p.id),
		'version', p.version, 'created_at', p.created_at, 'updated_at', p.updated_at)
$$;

-- The API form of an activity.
CREATE FUNCTION bdg.activity_doc(a bdg.activity) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', a.id, 'plan', a.plan_id, 'section', a.section, 'category', a.category,
		'title', a.title, 'description', a.description,
		'lead_unit', (SELECT u.code FROM bdg.unit u WHERE u.id = a.lead_unit_id),
		'coordinating_units', coalesce((SELECT jsonb_agg(u.code ORDER BY u.code)
			FROM bdg.activity_unit au JOIN bdg.unit u ON u.id = au.unit_id
			WHERE au.activity_id = a.id), '[]'::jsonb),
		'starts_on', a.starts_on, 'ends_on', a.ends_on, 'budget_vnd', a.budget_vnd,
		'status', a.status, 'progress', a.progress,
		'version', a.version, 'created_at', a.created_at, 'updated_at', a.updated_at)
$$;

-- Section key, search text, default lead unit; frozen content once the
-- plan is not a draft (status and progress still change).
CREATE FUNCTION bdg.activity_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	frozen_free CONSTANT text[] := '{status,progress,version,updated_at,created_at,search,section_key}';
	p bdg.plan;
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.plan_id <> OLD.plan_id THEN
		PERFORM bdg.fail('BD422', 'an activity cannot be moved to another plan', '/plan');
	END IF;
	SELECT * INTO p FROM bdg.plan WHERE id = NEW.plan_id;
	IF FOUND AND p.status <> 'draft' THEN
		IF TG_OP = 'INSERT' THEN
			PERFORM bdg.fail('BD409', format('plan %s is %s: activities can no longer be added',
				bdg.plan_label(p), p.status));
		ELSIF (to_jsonb(NEW) - frozen_free) <> (to_jsonb(OLD) - frozen_free) THEN
			PERFORM bdg.fail('BD409', format('plan %s is %s: only the status and progress of its '
				'activities can change', bdg.plan_label(p), p.status));
		END IF;
	END IF;
	IF NEW.lead_unit_id IS NULL THEN
		NEW.lead_unit_id := p.unit_id;
	END IF;
	NEW.section_key := bdg.section_key(NEW.section);
	NEW.search := bdg.fold(concat_ws(' ', NEW.section, NEW.title, NEW.description));
	RETURN NEW;
END $$;

CREATE TRIGGER activity_before BEFORE INSERT OR UPDATE ON bdg.activity
	FOR EACH ROW EXECUTE FUNCTION bdg.activity_before();
CREATE TRIGGER activity_touch BEFORE UPDATE ON bdg.activity
	FOR EACH ROW EXECUTE FUNCTION bdg.touch();

CREATE FUNCTION bdg.activity_before_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	p bdg.plan;
BEGIN
	SELECT * INTO p FROM bdg.plan WHERE id = OLD.plan_id;
	IF FOUND AND p.status <> 'draft' THEN
		PERFORM bdg.fail('BD409', format('plan %s is %s: its activities cannot be deleted',
			bdg.plan_label(p), p.status));
	END IF;
	RETURN OLD;
END $$;

CREATE TRIGGER activity_before_delete BEFORE DELETE ON bdg.activity
	FOR EACH ROW EXECUTE FUNCTION bdg.activity_before_delete();

CREATE FUNCTION bdg.activity_after() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM bdg.audit_write('activity', OLD.id, OLD.id::text, 'delete', bdg.plan_scope(OLD.plan_id),
			coalesce(bdg.audit_last('activity', OLD.id), bdg.activity_doc(OLD)), NULL);
		RETURN OLD;
	END IF;
	PERFORM bdg.audit_write('activity', NEW.id, NEW.id::text,
		CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END, bdg.plan_scope(NEW.plan_id),
		CASE WHEN TG_OP = 'UPDATE' THEN coalesce(bdg.audit_last('activity', OLD.id), bdg.activity_doc(OLD)) END,
		bdg.activity_doc(NEW));
	RETURN NEW;
END $$;

CREATE TRIGGER activity_after AFTER INSERT OR UPDATE OR DELETE ON bdg.activity
	FOR EACH ROW EXECUTE FUNCTION bdg.activity_after();

-- Coordinating units of these activities changed (as bdg.plan_changed).
CREATE FUNCTION bdg.activity_changed(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	a bdg.activity;
	rev bigint;
BEGIN
	FOR a IN SELECT * FROM bdg.activity WHERE id = ANY (ids) ORDER BY id LOOP
		rev := bdg.audit_mine('activity', a.id);
		IF rev IS NOT NULL THEN
			UPDATE bdg.audit SET after = bdg.activity_doc(a) WHERE revision = rev;
		ELSE
			UPDATE bdg.activity SET children_rev = children_rev + 1 WHERE id = a.id;
		END IF;
	END LOOP;
END $$;

CREATE FUNCTION bdg.activity_unit_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	p bdg.plan;
BEGIN
	FOR p IN SELECT pl.* FROM bdg.activity a JOIN bdg.plan pl ON pl.id = a.plan_id
	         WHERE a.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.activity_id END,
	                        CASE WHEN TG_OP <> 'DELETE' THEN NEW.activity_id END)
	           AND pl.status <> 'draft' LOOP
		PERFORM bdg.fail('BD409', format('plan %s is %s: the coordinating units of its activities '
			'can no longer be changed', bdg.plan_label(p), p.status));
	END LOOP;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE FUNCTION bdg.activity_unit_after() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(DISTINCT activity_id) INTO ids FROM new_rows;
	ELSIF TG_OP = 'UPDATE' THEN
		SELECT array_agg(DISTINCT x.activity_id) INTO ids
		FROM (SELECT activity_id FROM new_rows UNION SELECT activity_id FROM old_rows) x;
	ELSE
		SELECT array_agg(DISTINCT activity_id) INTO ids FROM old_rows;
	END IF;
	IF ids IS NOT NULL THEN
		PERFORM bdg.activity_changed(ids);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER activity_unit_before BEFORE INSERT OR UPDATE OR DELETE ON bdg.activity_unit
	FOR EACH ROW EXECUTE FUNCTION bdg.activity_unit_before();
CREATE TRIGGER activity_unit_after_insert AFTER INSERT ON bdg.activity_unit
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.activity_unit_after();
CREATE TRIGGER activity_unit_after_update AFTER UPDATE ON bdg.activity_unit
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.activity_unit_after();
CREATE TRIGGER activity_unit_after_delete AFTER DELETE ON bdg.activity_unit
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.activity_unit_after();

-- Indicators -----------------------------------------------------------------

-- A ratio indicator (aggregation 'ratio': every 'ratio' measure, and
-- percents that roll up properly) is computed, for each sex s reported, as
--   scale × Σ numerator[numerator_sex or s] / Σ denominator[denominator_sex or s]
-- where s is 'total' for an indicator that is not disaggregated by sex.
-- E.g. the sex ratio at birth = 100 × births[male] / births[female].
CREATE TABLE bdg.indicator (
	id                bigserial PRIMARY KEY,
	code              text NOT NULL CONSTRAINT indicator_code_format
	                  CHECK (code ~ '^[A-Z][A-Z0-9]{0,15}(-[A-Z0-9]{1,16}){0,3}$'),
	name              text NOT NULL CONSTRAINT indicator_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 500),
	measure           text NOT NULL CONSTRAINT indicator_measure_enum CHECK (measure IN ('count', 'percent', 'ratio')),
	sex_disaggregated boolean NOT NULL DEFAULT false,
	aggregation       text NOT NULL CONSTRAINT indicator_aggregation_enum
	                  CHECK (aggregation IN ('sum', 'ratio', 'max', 'latest')),
	numerator_id      bigint REFERENCES bdg.indicator (id),
	numerator_sex     text CONSTRAINT indicator_numerator_sex_enum CHECK (numerator_sex IN ('female', 'male', 'total')),
	denominator_id    bigint REFERENCES bdg.indicator (id),
	denominator_sex   text CONSTRAINT indicator_denominator_sex_enum CHECK (denominator_sex IN ('female', 'male', 'total')),
	scale             numeric CONSTRAINT indicator_scale_positive CHECK (scale > 0),   -- 100 unless given; ratios only
	unit_of_measure   text CONSTRAINT indicator_unit_of_measure_length CHECK (length(unit_of_measure) BETWEEN 1 AND 50),
	source            text CONSTRAINT indicator_source_length CHECK (length(source) <= 1000),
	description       text CONSTRAINT indicator_description_length CHECK (length(description) <= 4000),
	active            boolean NOT NULL DEFAULT true,
	version           int NOT NULL DEFAULT 1,
	created_at        timestamptz NOT NULL DEFAULT now(),
	updated_at        timestamptz NOT NULL DEFAULT now(),
	search            text NOT NULL DEFAULT '',
	CONSTRAINT indicator_code_unique UNIQUE (code),
	CONSTRAINT indicator_aggregation_measure CHECK (
		(measure = 'count' AND aggregation IN ('sum', 'max', 'latest')) OR
		(measure = 'percent' AND aggregation IN ('ratio', 'max', 'latest')) OR
		(measure = 'ratio' AND aggregation = 'ratio')),
	CONSTRAINT indicator_ratio_parts CHECK (CASE WHEN aggregation = 'ratio'
		THEN numerator_id IS NOT NULL AND denominator_id IS NOT NULL
		ELSE numerator_id IS NULL AND denominator_id IS NULL
		     AND numerator_sex IS NULL AND denominator_sex IS NULL END),
	CONSTRAINT indicator_ratio_self CHECK (numerator_id <> id AND denominator_id <> id)
);

-- The API form of an indicator.
CREATE FUNCTION bdg.indicator_doc(i bdg.indicator) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', i.id, 'code', i.code, 'name', i.name, 'measure', i.measure,
		'sex_disaggregated', i.sex_disaggregated, 'aggregation', i.aggregation,
		'numerator', (SELECT n.code FROM bdg.indicator n WHERE n.id = i.numerator_id),
		'numerator_sex', i.numerator_sex,
		'denominator', (SELECT d.code FROM bdg.indicator d WHERE d.id = i.denominator_id),
		'denominator_sex', i.denominator_sex, 'scale', i.scale,
		'unit_of_measure', i.unit_of_measure, 'source', i.source,
		'description', i.description, 'active', i.active,
		'version', i.version, 'created_at', i.created_at, 'updated_at', i.updated_at)
$$;

-- Search text, the scale of ratios; a numerator or denominator is a count
-- indicator, disaggregated by sex when the ratio needs a sex from it; an
-- indicator used so keeps these properties.
CREATE FUNCTION bdg.indicator_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	part bdg.indicator;
	which text;
	needs_sex boolean;
BEGIN
	NEW.search := bdg.fold(concat_ws(' ', NEW.code, NEW.name, NEW.description));
	NEW.scale := CASE WHEN NEW.aggregation = 'ratio' THEN coalesce(NEW.scale, 100) END;
	FOREACH which IN ARRAY ARRAY['numerator', 'denominator'] LOOP
		SELECT * INTO part FROM bdg.indicator
		WHERE id = CASE which WHEN 'numerator' THEN NEW.numerator_id ELSE NEW.denominator_id END;
		CONTINUE WHEN NOT FOUND;
		IF part.measure <> 'count' THEN
			PERFORM bdg.fail('BD422', format('the %s of a ratio must be a count indicator; %s is a %s',
				which, part.code, part.measure), '/' || which);
		END IF;
		needs_sex := coalesce(CASE which WHEN 'numerator' THEN NEW.numerator_sex ELSE NEW.denominator_sex END
			IN ('female', 'male'), NEW.sex_disaggregated AND
			(CASE which WHEN 'numerator' THEN NEW.numerator_sex ELSE NEW.denominator_sex END) IS NULL);
		IF needs_sex AND NOT part.sex_disaggregated THEN
			PERFORM bdg.fail('BD422', format('the %s %s is not disaggregated by sex', which, part.code),
				'/' || which);
		END IF;
	END LOOP;
	IF TG_OP = 'UPDATE' AND (NEW.measure <> 'count' OR (OLD.sex_disaggregated AND NOT NEW.sex_disaggregated)) THEN
		SELECT * INTO part FROM bdg.indicator r
		WHERE (r.numerator_id = NEW.id OR r.denominator_id = NEW.id)
		  AND (NEW.measure <> 'count' OR NOT NEW.sex_disaggregated AND (
		       (r.numerator_id = NEW.id AND coalesce(r.numerator_sex IN ('female', 'male'),
		                                             r.sex_disaggregated)) OR
		       (r.denominator_id = NEW.id AND coalesce(r.denominator_sex IN ('female', 'male'),
		                                               r.sex_disaggregated))))
		LIMIT 1;
		IF FOUND THEN
			PERFORM bdg.fail('BD422', format('indicator %s is part of the ratio %s and must stay a count%s',
				NEW.code, part.code, CASE WHEN NEW.measure = 'count' THEN ' disaggregated by sex' ELSE '' END),
				CASE WHEN NEW.measure <> 'count' THEN '/measure' ELSE '/sex_disaggregated' END);
		END IF;
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER indicator_before BEFORE INSERT OR UPDATE ON bdg.indicator
	FOR EACH ROW EXECUTE FUNCTION bdg.indicator_before();
CREATE TRIGGER indicator_touch BEFORE UPDATE ON bdg.indicator
	FOR EACH ROW EXECUTE FUNCTION bdg.touch();

CREATE FUNCTION bdg.indicator_after() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM bdg.audit_write('indicator', OLD.id, OLD.code, 'delete', NULL, bdg.indicator_doc(OLD), NULL);
		RETURN OLD;
	END IF;
	PERFORM bdg.audit_write('indicator', NEW.id, NEW.code,
		CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END, NULL,
		CASE WHEN TG_OP = 'UPDATE' THEN bdg.indicator_doc(OLD) END, bdg.indicator_doc(NEW));
	RETURN NEW;
END $$;

CREATE TRIGGER indicator_after AFTER INSERT OR UPDATE OR DELETE ON bdg.indicator
	FOR EACH ROW EXECUTE FUNCTION bdg.indicator_after();

-- Targets --------------------------------------------------------------------

-- A plan's target for an indicator, a unit and a sex, for a year.
CREATE TABLE bdg.target (
	id           bigserial PRIMARY KEY,
	plan_id      bigint NOT NULL REFERENCES bdg.plan (id) ON DELETE CASCADE,
	indicator_id bigint NOT NULL REFERENCES bdg.indicator (id),
	unit_id      bigint NOT NULL REFERENCES bdg.unit (id),
	sex          text NOT NULL DEFAULT 'total' CONSTRAINT target_sex_enum CHECK (sex IN ('female', 'male', 'total')),
	year         int NOT NULL CONSTRAINT target_year_range CHECK (year BETWEEN 2000 AND 2100),  -- defaults to the plan's
	baseline     numeric CONSTRAINT target_baseline_nonnegative CHECK (baseline >= 0),
	target       numeric NOT NULL CONSTRAINT target_target_nonnegative CHECK (target >= 0),
	version      int NOT NULL DEFAULT 1,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	search       text NOT NULL DEFAULT '',
	CONSTRAINT target_natural_key UNIQUE (plan_id, indicator_id, unit_id, sex)
);
CREATE INDEX target_indicator_idx ON bdg.target (indicator_id);
CREATE INDEX target_unit_idx ON bdg.target (unit_id);

-- The API form of a target.
CREATE FUNCTION bdg.target_doc(t bdg.target) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'plan', t.plan_id,
		'indicator', (SELECT i.code FROM bdg.indicator i WHERE i.id = t.indicator_id),
		'unit', (SELECT u.code FROM bdg.unit u WHERE u.id = t.unit_id),
		'sex', t.sex, 'year', t.year, 'baseline', t.baseline, 'target', t.target)
$$;

CREATE FUNCTION bdg.target_key(t bdg.target) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT concat_ws(' ', t.plan_id, (SELECT i.code FROM bdg.indicator i WHERE i.id = t.indicator_id),
		(SELECT u.code FROM bdg.unit u WHERE u.id = t.unit_id), t.sex)
$$;

-- Year from the plan; values fit the indicator's measure (a percent is
-- 0-100, a count is whole) and its sex disaggregation; the unit is the
-- issuing unit, in its subtree, or a recipient of the plan.
CREATE FUNCTION bdg.target_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	p bdg.plan;
	ind bdg.indicator;
	upath ltree;
	ucode text;
BEGIN
	SELECT * INTO p FROM bdg.plan WHERE id = NEW.plan_id;
	SELECT * INTO ind FROM bdg.indicator WHERE id = NEW.indicator_id;
	SELECT path, code INTO upath, ucode FROM bdg.unit WHERE id = NEW.unit_id;
	NEW.year := coalesce(NEW.year, p.year);
	NEW.search := bdg.fold(concat_ws(' ', ind.code, ind.name, ucode));
	IF ind.id IS NOT NULL THEN
		IF NOT ind.active AND (TG_OP = 'INSERT' OR NEW.indicator_id <> OLD.indicator_id) THEN
			PERFORM bdg.fail('BD422', format('indicator %s is no longer in use', ind.code), '/indicator');
		END IF;
		IF NOT ind.sex_disaggregated AND NEW.sex <> 'total' THEN
			PERFORM bdg.fail('BD422', format('indicator %s is not disaggregated by sex: its sex is "total"',
				ind.code), '/sex');
		END IF;
		IF ind.measure = 'percent' AND NEW.baseline > 100 THEN
			PERFORM bdg.fail('BD422', format('indicator %s is a percent: the baseline is between 0 and 100',
				ind.code), '/baseline');
		END IF;
		IF ind.measure = 'percent' AND NEW.target > 100 THEN
			PERFORM bdg.fail('BD422', format('indicator %s is a percent: the target is between 0 and 100',
				ind.code), '/target');
		END IF;
		IF ind.measure = 'count' AND NEW.baseline <> trunc(NEW.baseline) THEN
			PERFORM bdg.fail('BD422', format('indicator %s is a count: the baseline is a whole number',
				ind.code), '/baseline');
		END IF;
		IF ind.measure = 'count' AND NEW.target <> trunc(NEW.target) THEN
			PERFORM bdg.fail('BD422', format('indicator %s is a count: the target is a whole number',
				ind.code), '/target');
		END IF;
	END IF;
	IF p.id IS NOT NULL AND upath IS NOT NULL
	   AND NOT upath <@ bdg.plan_scope(p.id)
	   AND NOT EXISTS (SELECT 1 FROM bdg.plan_recipient r WHERE r.plan_id = p.id AND r.unit_id = NEW.unit_id) THEN
		PERFORM bdg.fail('BD422', format('unit %s is neither under the issuing unit nor a recipient of plan %s',
			ucode, bdg.plan_label(p)), '/unit');
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER target_before BEFORE INSERT OR UPDATE ON bdg.target
	FOR EACH ROW EXECUTE FUNCTION bdg.target_before();
CREATE TRIGGER target_touch BEFORE UPDATE ON bdg.target
	FOR EACH ROW EXECUTE FUNCTION bdg.touch();

CREATE FUNCTION bdg.target_after() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM bdg.audit_write('target', OLD.id, bdg.target_key(OLD), 'delete', bdg.plan_scope(OLD.plan_id),
			bdg.target_doc(OLD), NULL);
		RETURN OLD;
	END IF;
	PERFORM bdg.audit_write('target', NEW.id, bdg.target_key(NEW),
		CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END, bdg.plan_scope(NEW.plan_id),
		CASE WHEN TG_OP = 'UPDATE' THEN bdg.target_doc(OLD) END, bdg.target_doc(NEW));
	RETURN NEW;
END $$;

CREATE TRIGGER target_after AFTER INSERT OR UPDATE OR DELETE ON bdg.target
	FOR EACH ROW EXECUTE FUNCTION bdg.target_after();
