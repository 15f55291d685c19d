-- 008_reports.sql: reports (báo cáo): a unit's report on a plan for one of
-- the plan's reporting periods, with its activity results and indicator
-- values, the workflow draft → submitted → accepted | returned, and what
-- completeness, roll-up and consolidation read.
--
-- Resource and its API form (bdg.report_doc), audited by trigger:
--   report  key "PLANKEY UNIT PERIOD" ("HUE-SYT 595/KH-SYT 2019 HUE-SYT-CDC 2019"),
--           scope = the reporting unit's path (see bdg.report_scope for the
--           one exception, a report addressed outside the reporting unit's
--           line of ancestors).
-- Activity results (bdg.report_activity) and values (bdg.report_value) are
-- parts of the report's document, written with the child-table pattern of
-- 003_plans.sql: statement triggers fold a change into this transaction's
-- audit row of the report (bdg.audit_mine), or bump children_rev so that the
-- report gets a new version and an 'update' revision.
--
-- Who (the API enforces the reach, these rules hold for every writer):
--   * a report is by a RECIPIENT of the plan (Nơi nhận), addressed to the
--     plan's issuing unit; or it is the issuing unit's OWN report on its
--     plan (own = true, the consolidated report, "báo cáo tổng hợp"),
--     addressed upward: to the issuer of the plan it implements
--     (parent_plan), else to the unit's parent, else to itself. to_unit_id
--     is that addressee; it accepts or returns the report.
--   * an own report's deadline is the parent plan's for the same period
--     when there is one (it goes upward with it), else its own plan's.
-- Readers (bdg.report_visible): the reporting unit's subtree, and the
-- addressee's subtree (the issuing unit and the units above it).
-- Writers of content: editors of the reporting unit's subtree.
--
-- Lifecycle, enforced here:
--   draft ──submit──▶ submitted ──accept──▶ accepted
--     ▲                   │
--     └── (edit) returned ◀──return (a reason is required)
--   returned ──submit──▶ submitted (resubmission)
-- Content (texts, activity results, values) changes only in draft and
-- returned (BD409 otherwise). Only drafts are deleted. A report is inserted
-- as a draft; workflow columns change only with the status.
-- At each submission: submitted_at = bdg.clock(unit) (now(), see below),
-- submitted_by = app.sub. At the FIRST submission on_time and days_late
-- are computed against due_on in Vietnam's time zone and kept: a report
-- sent on time, returned for correction and resubmitted after the deadline
-- stays on time (the correction was asked for by the addressee).
--   on_time   = (first_submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date <= due_on
--   days_late = greatest(that date - due_on, 0)
-- accepted_at/by, returned_at/by likewise (now() and app.sub unless given).
--
-- Values (bdg.report_value), one per indicator and sex:
--   * indicators aggregated as 'ratio' (every ratio, and the percents that
--     roll up properly) are COMPUTED, never entered (BD422): the report
--     enters the numerator and denominator counts, and its document shows
--     the ratios computed from them ("ratios");
--   * an indicator not disaggregated by sex takes only 'total';
--   * a sex-disaggregated indicator takes 'female' and 'male'; for a count
--     'total' is their sum (derived by bdg.report_put when absent, checked
--     when given); for a percent 'total' is optional and not derived;
--   * counts are whole and >= 0, percents 0-100.
--
-- Test clock: bdg.clock(unit) is now(), unless bdg.test_clock holds a row
-- for that unit. Only tests write that table, with psql on their own
-- throwaway cluster; no statement of bdgd writes it or any setting it
-- reads, and request data never becomes SQL, so no API caller can move
-- the clock. Keyed by unit, so that a test's clock reaches only the units
-- it created, never a concurrent test's (nor a real unit).
--
-- Constraint → JSON field (lib/constraint.c):
--   report_natural_key (409) /period   report_plan_id_fkey /plan
--   report_unit_id_fkey /unit   report_period_fkey /period
--   report_status_enum /status   report_results_length /results
--   report_difficulties_length /difficulties
--   report_recommendations_length /recommendations
--   report_return_reason_length, report_return_reason_required /reason
--   report_activity_pkey (409), report_activity_activity_id_fkey,
--   report_activity_status_enum, report_activity_sessions_nonnegative,
--   report_activity_participants_nonnegative, report_activity_notes_length
--     /activity_results
--   report_value_pkey (409), report_value_indicator_id_fkey,
--   report_value_sex_enum, report_value_nonnegative /values

-- The test clock ------------------------------------------------------------

CREATE TABLE bdg.test_clock (
	unit_id bigint PRIMARY KEY REFERENCES bdg.unit (id) ON DELETE CASCADE,
	at      timestamptz NOT NULL
);
COMMENT ON TABLE bdg.test_clock IS
	'TESTS ONLY: the submission clock of a unit (bdg.clock). Written by tests with psql on their own '
	'cluster, never by bdgd; empty in production.';

-- The time a report of this unit is submitted at: now(), or the unit's
-- test clock.
CREATE FUNCTION bdg.clock(unit bigint) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT c.at FROM bdg.test_clock c WHERE c.unit_id = $1), now())
$$;

-- Reports -------------------------------------------------------------------

CREATE TABLE bdg.report (
	id                 bigserial PRIMARY KEY,
	plan_id            bigint NOT NULL REFERENCES bdg.plan (id),
	unit_id            bigint NOT NULL REFERENCES bdg.unit (id),
	period             text NOT NULL,
	own                boolean NOT NULL DEFAULT false,   -- the issuing unit's own report (set by trigger)
	to_unit_id         bigint NOT NULL REFERENCES bdg.unit (id),  -- the addressee (set by trigger)
	due_on             date NOT NULL,                    -- copied from the reporting entry (trigger)
	status             text NOT NULL DEFAULT 'draft' CONSTRAINT report_status_enum
	                   CHECK (status IN ('draft', 'submitted', 'accepted', 'returned')),
	submitted_at       timestamptz,        -- the latest submission
	submitted_by       text,
	first_submitted_at timestamptz,        -- the first: on_time and days_late are of it
	on_time            boolean,
	days_late          int,
	accepted_at        timestamptz,
	accepted_by        text,
	returned_at        timestamptz,        -- the latest return
	returned_by        text,
	return_reason      text CONSTRAINT report_return_reason_length CHECK (length(return_reason) <= 2000),
	results            text CONSTRAINT report_results_length CHECK (length(results) <= 20000),
	difficulties       text CONSTRAINT report_difficulties_length CHECK (length(difficulties) <= 20000),
	recommendations    text CONSTRAINT report_recommendations_length CHECK (length(recommendations) <= 20000),
	children_rev       int NOT NULL DEFAULT 0,   -- bumped when activity results or values change
	version            int NOT NULL DEFAULT 1,
	created_at         timestamptz NOT NULL DEFAULT now(),
	updated_at         timestamptz NOT NULL DEFAULT now(),
	search             text NOT NULL DEFAULT '',
	CONSTRAINT report_natural_key UNIQUE (plan_id, unit_id, period),
	CONSTRAINT report_period_fkey FOREIGN KEY (plan_id, period) REFERENCES bdg.plan_reporting (plan_id, period),
	CONSTRAINT report_submitted_status CHECK (status = 'draft' OR submitted_at IS NOT NULL),
	CONSTRAINT report_accepted_status CHECK ((status = 'accepted') = (accepted_at IS NOT NULL)),
	CONSTRAINT report_return_reason_required
	           CHECK (status <> 'returned' OR coalesce(length(btrim(return_reason)), 0) > 0),
	CONSTRAINT report_timeliness CHECK ((on_time IS NULL) = (days_late IS NULL)
	           AND (on_time IS NULL OR (days_late >= 0 AND on_time = (days_late = 0))))
);
-- Lists by unit, overdue and completeness by unit; the roll-up's counted
-- reports of a period (unit ids of the subtree joined to it).
CREATE INDEX report_unit_period_idx ON bdg.report (unit_id, period)
	INCLUDE (status, own, plan_id, accepted_at, submitted_at);
CREATE INDEX report_to_unit_idx ON bdg.report (to_unit_id);
CREATE INDEX report_period_status_idx ON bdg.report (period, status);
CREATE INDEX report_open_due_idx ON bdg.report (due_on) WHERE status IN ('draft', 'returned');

-- Activity results: one per activity of the report's plan.
CREATE TABLE bdg.report_activity (
	report_id           bigint NOT NULL REFERENCES bdg.report (id) ON DELETE CASCADE,
	activity_id         bigint NOT NULL REFERENCES bdg.activity (id),
	status              text NOT NULL CONSTRAINT report_activity_status_enum
	                    CHECK (status IN ('done', 'partly', 'not_done')),
	sessions            int CONSTRAINT report_activity_sessions_nonnegative CHECK (sessions >= 0),
	participants_female int,
	participants_male   int,
	notes               text CONSTRAINT report_activity_notes_length CHECK (length(notes) <= 2000),
	CONSTRAINT report_activity_pkey PRIMARY KEY (report_id, activity_id),
	CONSTRAINT report_activity_participants_nonnegative
	           CHECK (participants_female >= 0 AND participants_male >= 0)
);
CREATE INDEX report_activity_activity_idx ON bdg.report_activity (activity_id);

-- Indicator values: one per indicator and sex. period is the report's
-- (copied by trigger; a report's period never changes), so that a roll-up
-- reads the values of an indicator for a period as one index range
-- (report_value_rollup_idx, index-only) and joins them to the counted
-- reports by hash, instead of probing every report of the subtree.
CREATE TABLE bdg.report_value (
	report_id    bigint NOT NULL REFERENCES bdg.report (id) ON DELETE CASCADE,
	indicator_id bigint NOT NULL REFERENCES bdg.indicator (id),
	sex          text NOT NULL CONSTRAINT report_value_sex_enum CHECK (sex IN ('female', 'male', 'total')),
	value        numeric NOT NULL CONSTRAINT report_value_nonnegative CHECK (value >= 0),
	period       text NOT NULL,
	CONSTRAINT report_value_pkey PRIMARY KEY (report_id, indicator_id, sex)
);
CREATE INDEX report_value_rollup_idx ON bdg.report_value (indicator_id, period) INCLUDE (report_id, sex, value);

-- Names, keys, scope, reach ----------------------------------------------------

-- "2024-H1 of HUE-SYT-CDC on 595/KH-SYT of 2019": for messages.
CREATE FUNCTION bdg.report_label(r bdg.report) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT format('%s of %s on %s', r.period, (SELECT u.code FROM bdg.unit u WHERE u.id = r.unit_id),
		(SELECT bdg.plan_label(p) FROM bdg.plan p WHERE p.id = r.plan_id))
$$;

-- The audit key: "PLANKEY UNIT PERIOD".
CREATE FUNCTION bdg.report_key(r bdg.report) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT concat_ws(' ', (SELECT bdg.plan_key(p) FROM bdg.plan p WHERE p.id = r.plan_id),
		(SELECT u.code FROM bdg.unit u WHERE u.id = r.unit_id), r.period)
$$;

-- The audit scope of a report: the reporting unit's path, which its
-- subtree and every unit above it read (the addressee is one of those
-- whenever it is an ancestor, as for plans issued down the tree). A report
-- addressed to a unit outside that line (a recipient taken from another
-- branch, e.g. a district health centre reporting to the town) gets
-- ADDRESSEE.via.REPORTER: under the addressee, so that the addressee's
-- subtree and the units above it read it, and bdg.audit_visible lets the
-- reporter's line read it through the part after the label "via" (unit
-- paths hold only ids, so the label cannot be part of one).
CREATE FUNCTION bdg.report_scope(unit bigint, addressee bigint) RETURNS ltree
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN a.path @> u.path THEN u.path ELSE a.path || 'via'::ltree || u.path END
	FROM bdg.unit u, bdg.unit a WHERE u.id = unit AND a.id = addressee
$$;

-- Who reads a report: the reporting unit's subtree and the addressee's.
CREATE FUNCTION bdg.report_visible(r bdg.report, actor ltree) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT actor IS NOT NULL AND EXISTS (SELECT 1 FROM bdg.unit u
		WHERE u.id IN (r.unit_id, r.to_unit_id) AND u.path <@ actor)
$$;

-- Who writes its content (editors and above): the reporting unit's subtree.
CREATE FUNCTION bdg.report_writable(r bdg.report, actor ltree) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT actor IS NOT NULL AND EXISTS (SELECT 1 FROM bdg.unit u WHERE u.id = r.unit_id AND u.path <@ actor)
$$;

-- Audit visibility, 005's rule with reports added (same signature, callers
-- unchanged). A row is visible to a token of unit U (path P) when
--   * its scope lies in U's subtree, or it has no scope, or
--   * it is a plan, activity or target issued by an ancestor of U, or
--   * it is a report scoped ADDRESSEE.via.REPORTER and REPORTER lies in
--     U's subtree (see bdg.report_scope).
CREATE OR REPLACE FUNCTION bdg.audit_visible(scope ltree, resource text, actor ltree) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT actor IS NOT NULL AND (scope IS NULL OR scope <@ actor
		OR (resource IN ('plan', 'activity', 'target') AND actor <@ scope)
		OR (resource = 'report' AND index(scope, 'via') >= 0
		    AND subpath(scope, index(scope, 'via') + 1) <@ actor))
$$;

-- The API form ------------------------------------------------------------------

-- "100 × GEN-0201[female] / GEN-0201[total]": how a ratio is computed
-- ([sex] omitted where it follows the sex computed).
CREATE FUNCTION bdg.indicator_formula(i bdg.indicator) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT format('%s × %s%s / %s%s', i.scale,
		(SELECT n.code FROM bdg.indicator n WHERE n.id = i.numerator_id), '[' || i.numerator_sex || ']',
		(SELECT d.code FROM bdg.indicator d WHERE d.id = i.denominator_id), '[' || i.denominator_sex || ']')
$$;

-- Ratios computed from a report's own values: for every indicator
-- aggregated as 'ratio' whose numerator and denominator the report holds,
-- scale × numerator[numerator_sex or s] / denominator[denominator_sex or s],
-- rounded to 2 decimals (s: each sex of a disaggregated ratio, else total).
CREATE FUNCTION bdg.report_ratios(rid bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('indicator', i.code, 'sex', s.sex,
			'value', round(i.scale * n.value / d.value, 2)) ORDER BY i.code, s.o), '[]'::jsonb)
	FROM bdg.indicator i
	CROSS JOIN LATERAL unnest(CASE WHEN i.sex_disaggregated THEN '{female,male,total}'::text[]
	                               ELSE '{total}'::text[] END) WITH ORDINALITY AS s (sex, o)
	JOIN bdg.report_value n ON n.report_id = rid AND n.indicator_id = i.numerator_id
	                       AND n.sex = coalesce(i.numerator_sex, s.sex)
	JOIN bdg.report_value d ON d.report_id = rid AND d.indicator_id = i.denominator_id
	                       AND d.sex = coalesce(i.denominator_sex, s.sex)
	WHERE i.aggregation = 'ratio' AND d.value <> 0
$$;

CREATE FUNCTION bdg.report_doc(r bdg.report) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', r.id, 'plan', r.plan_id,
		'unit', (SELECT u.code FROM bdg.unit u WHERE u.id = r.unit_id),
		'period', r.period, 'own', r.own,
		'to_unit', (SELECT u.code FROM bdg.unit u WHERE u.id = r.to_unit_id),
		'due_on', r.due_on, 'status', r.status,
		'submitted_at', r.submitted_at, 'submitted_by', r.submitted_by,
		'first_submitted_at', r.first_submitted_at,
		'on_time', r.on_time, 'days_late', r.days_late,
		'accepted_at', r.accepted_at, 'accepted_by', r.accepted_by,
		'returned_at', r.returned_at, 'returned_by', r.returned_by, 'return_reason', r.return_reason,
		'results', r.results, 'difficulties', r.difficulties, 'recommendations', r.recommendations,
		'activity_results', coalesce((SELECT jsonb_agg(jsonb_build_object('activity', a.activity_id,
				'status', a.status, 'sessions', a.sessions,
				'participants_female', a.participants_female, 'participants_male', a.participants_male,
				'notes', a.notes) ORDER BY act.section_key, act.id)
			FROM bdg.report_activity a JOIN bdg.activity act ON act.id = a.activity_id
			WHERE a.report_id = r.id), '[]'::jsonb),
		'values', coalesce((SELECT jsonb_agg(jsonb_build_object('indicator', i.code, 'sex', v.sex,
				'value', v.value) ORDER BY i.code, array_position('{female,male,total}'::text[], v.sex))
			FROM bdg.report_value v JOIN bdg.indicator i ON i.id = v.indicator_id
			WHERE v.report_id = r.id), '[]'::jsonb),
		'ratios', bdg.report_ratios(r.id),
		'version', r.version, 'created_at', r.created_at, 'updated_at', r.updated_at)
$$;

-- Rules and audit -----------------------------------------------------------------

-- On insert: the plan is issued, the period is one of its reporting
-- entries, the unit is a recipient or the issuer; due date, addressee and
-- own are set. On update: the keys stay, content is frozen once submitted,
-- the status moves only along the lifecycle, and the workflow columns are
-- set with it.
CREATE FUNCTION bdg.report_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	p bdg.plan;
	e bdg.plan_reporting;
	parent_due date;
	ucode text;
	uparent bigint;
	sub text := nullif(current_setting('app.sub', true), '');
	local_day date;
BEGIN
	NEW.search := bdg.fold(concat_ws(' ', NEW.period, NEW.results, NEW.difficulties, NEW.recommendations));
	IF TG_OP = 'INSERT' THEN
		SELECT * INTO p FROM bdg.plan WHERE id = NEW.plan_id;
		IF NOT FOUND THEN
			PERFORM bdg.fail('BD422', 'no such plan', '/plan');
		END IF;
		SELECT code, parent_id INTO ucode, uparent FROM bdg.unit WHERE id = NEW.unit_id;
		IF NOT FOUND THEN
			PERFORM bdg.fail('BD422', 'no such unit', '/unit');
		END IF;
		IF p.status <> 'issued' THEN
			PERFORM bdg.fail('BD422', format('plan %s is %s: only an issued plan is reported on',
				bdg.plan_label(p), p.status), '/plan');
		END IF;
		SELECT * INTO e FROM bdg.plan_reporting WHERE plan_id = p.id AND period = NEW.period;
		IF NOT FOUND THEN
			PERFORM bdg.fail('BD422', format('plan %s has no reporting period %s; its periods: %s',
				bdg.plan_label(p), NEW.period, coalesce((SELECT string_agg(r.period, ', ' ORDER BY r.data_to, r.period)
					FROM bdg.plan_reporting r WHERE r.plan_id = p.id), 'none')), '/period');
		END IF;
		NEW.own := NEW.unit_id = p.unit_id;
		IF NOT NEW.own AND NOT EXISTS (SELECT 1 FROM bdg.plan_recipient r
		                               WHERE r.plan_id = p.id AND r.unit_id = NEW.unit_id) THEN
			PERFORM bdg.fail('BD422', format('unit %s is neither a recipient nor the issuer of plan %s',
				ucode, bdg.plan_label(p)), '/unit');
		END IF;
		IF NEW.status <> 'draft' THEN
			PERFORM bdg.fail('BD422', 'a report starts as a draft', '/status');
		END IF;
		IF NEW.own THEN
			SELECT pp.unit_id, r.due_on INTO NEW.to_unit_id, parent_due
			FROM bdg.plan pp LEFT JOIN bdg.plan_reporting r ON r.plan_id = pp.id AND r.period = NEW.period
			WHERE pp.id = p.parent_plan_id;
			NEW.to_unit_id := coalesce(NEW.to_unit_id, uparent, NEW.unit_id);
		ELSE
			NEW.to_unit_id := p.unit_id;
		END IF;
		NEW.due_on := coalesce(parent_due, e.due_on);
		IF num_nonnulls(NEW.submitted_at, NEW.submitted_by, NEW.first_submitted_at, NEW.on_time, NEW.days_late,
		                NEW.accepted_at, NEW.accepted_by, NEW.returned_at, NEW.returned_by, NEW.return_reason) > 0 THEN
			PERFORM bdg.fail('BD422', 'the workflow fields of a report are set by its workflow', '/status');
		END IF;
		RETURN NEW;
	END IF;

	-- UPDATE
	IF NEW.plan_id <> OLD.plan_id THEN
		PERFORM bdg.fail('BD422', 'cannot be changed (it is part of the report''s key)', '/plan');
	ELSIF NEW.unit_id <> OLD.unit_id THEN
		PERFORM bdg.fail('BD422', 'cannot be changed (it is part of the report''s key)', '/unit');
	ELSIF NEW.period <> OLD.period THEN
		PERFORM bdg.fail('BD422', 'cannot be changed (it is part of the report''s key)', '/period');
	ELSIF NEW.own <> OLD.own OR NEW.to_unit_id <> OLD.to_unit_id OR NEW.due_on <> OLD.due_on THEN
		PERFORM bdg.fail('BD422', 'the addressee and the due date of a report follow from its plan', '/plan');
	END IF;
	IF OLD.status IN ('submitted', 'accepted') AND
	   (NEW.results, NEW.difficulties, NEW.recommendations) IS DISTINCT FROM
	   (OLD.results, OLD.difficulties, OLD.recommendations) THEN
		PERFORM bdg.fail('BD409', format('report %s is %s: its content can no longer be changed',
			bdg.report_label(OLD), OLD.status));
	END IF;
	IF NEW.status = OLD.status THEN
		IF (NEW.submitted_at, NEW.submitted_by, NEW.first_submitted_at, NEW.on_time, NEW.days_late,
		    NEW.accepted_at, NEW.accepted_by, NEW.returned_at, NEW.returned_by, NEW.return_reason)
		   IS DISTINCT FROM
		   (OLD.submitted_at, OLD.submitted_by, OLD.first_submitted_at, OLD.on_time, OLD.days_late,
		    OLD.accepted_at, OLD.accepted_by, OLD.returned_at, OLD.returned_by, OLD.return_reason) THEN
			PERFORM bdg.fail('BD422', 'the workflow fields of a report change only with its status', '/status');
		END IF;
		RETURN NEW;
	END IF;
	IF NOT ((OLD.status IN ('draft', 'returned') AND NEW.status = 'submitted') OR
	        (OLD.status = 'submitted' AND NEW.status IN ('accepted', 'returned'))) THEN
		PERFORM bdg.fail('BD409', format('report %s is %s: it cannot become %s',
			bdg.report_label(OLD), OLD.status, NEW.status), '/status');
	END IF;
	IF NEW.status = 'submitted' THEN
		IF NEW.submitted_at IS NOT DISTINCT FROM OLD.submitted_at THEN
			NEW.submitted_at := bdg.clock(NEW.unit_id);
		END IF;
		IF NEW.submitted_by IS NOT DISTINCT FROM OLD.submitted_by OR NEW.submitted_by IS NULL THEN
			NEW.submitted_by := coalesce(sub, NEW.submitted_by);
		END IF;
		IF OLD.first_submitted_at IS NULL THEN
			NEW.first_submitted_at := NEW.submitted_at;
			local_day := (NEW.submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;
			NEW.on_time := local_day <= NEW.due_on;
			NEW.days_late := greatest(local_day - NEW.due_on, 0);
		ELSE
			NEW.first_submitted_at := OLD.first_submitted_at;
			NEW.on_time := OLD.on_time;
			NEW.days_late := OLD.days_late;
		END IF;
	ELSIF NEW.status = 'accepted' THEN
		IF NEW.accepted_at IS NOT DISTINCT FROM OLD.accepted_at THEN
			NEW.accepted_at := now();
		END IF;
		IF NEW.accepted_by IS NOT DISTINCT FROM OLD.accepted_by OR NEW.accepted_by IS NULL THEN
			NEW.accepted_by := coalesce(sub, NEW.accepted_by);
		END IF;
	ELSIF NEW.status = 'returned' THEN
		IF NEW.returned_at IS NOT DISTINCT FROM OLD.returned_at THEN
			NEW.returned_at := now();
		END IF;
		IF NEW.returned_by IS NOT DISTINCT FROM OLD.returned_by OR NEW.returned_by IS NULL THEN
			NEW.returned_by := coalesce(sub, NEW.returned_by);
		END IF;
		IF NEW.return_reason IS NULL OR btrim(NEW.return_reason) = '' THEN
			PERFORM bdg.fail('BD422', 'a reason is required to return a report', '/reason');
		END IF;
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER report_before BEFORE INSERT OR UPDATE ON bdg.report
	FOR EACH ROW EXECUTE FUNCTION bdg.report_before();
CREATE TRIGGER report_touch BEFORE UPDATE ON bdg.report
	FOR EACH ROW EXECUTE FUNCTION bdg.touch();

CREATE FUNCTION bdg.report_before_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.status <> 'draft' THEN
		PERFORM bdg.fail('BD409', format('report %s is %s: only drafts are deleted',
			bdg.report_label(OLD), OLD.status));
	END IF;
	RETURN OLD;
END $$;

CREATE TRIGGER report_before_delete BEFORE DELETE ON bdg.report
	FOR EACH ROW EXECUTE FUNCTION bdg.report_before_delete();

CREATE FUNCTION bdg.report_after() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM bdg.audit_write('report', OLD.id, bdg.report_key(OLD), 'delete',
			bdg.report_scope(OLD.unit_id, OLD.to_unit_id),
			coalesce(bdg.audit_last('report', OLD.id), bdg.report_doc(OLD)), NULL);
		RETURN OLD;
	END IF;
	PERFORM bdg.audit_write('report', NEW.id, bdg.report_key(NEW),
		CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END,
		bdg.report_scope(NEW.unit_id, NEW.to_unit_id),
		CASE WHEN TG_OP = 'UPDATE' THEN coalesce(bdg.audit_last('report', OLD.id), bdg.report_doc(OLD)) END,
		bdg.report_doc(NEW));
	RETURN NEW;
END $$;

CREATE TRIGGER report_after AFTER INSERT OR UPDATE OR DELETE ON bdg.report
	FOR EACH ROW EXECUTE FUNCTION bdg.report_after();

-- The activity results or values of these reports changed: fold the change
-- into this transaction's audit row of the report, or bump the report.
CREATE FUNCTION bdg.report_changed(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	r bdg.report;
	rev bigint;
BEGIN
	FOR r IN SELECT * FROM bdg.report WHERE id = ANY (ids) ORDER BY id LOOP
		rev := bdg.audit_mine('report', r.id);
		IF rev IS NOT NULL THEN
			UPDATE bdg.audit SET after = bdg.report_doc(r) WHERE revision = rev;
		ELSE
			UPDATE bdg.report SET children_rev = children_rev + 1 WHERE id = r.id;
		END IF;
	END LOOP;
END $$;

-- Row level, both child tables: the report is still editable (draft or
-- returned); an activity is one of the report's plan; a value fits its
-- indicator (entered, not computed; the sex its disaggregation allows;
-- whole counts, percents 0-100). A report being deleted (gone already when
-- its children cascade) is not checked.
CREATE FUNCTION bdg.report_part_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r bdg.report;
	ind bdg.indicator;
	what text := CASE TG_TABLE_NAME WHEN 'report_value' THEN 'values' ELSE 'activity results' END;
BEGIN
	FOR r IN SELECT * FROM bdg.report
	         WHERE id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.report_id END,
	                      CASE WHEN TG_OP <> 'DELETE' THEN NEW.report_id END)
	           AND status NOT IN ('draft', 'returned') LOOP
		PERFORM bdg.fail('BD409', format('report %s is %s: its %s can no longer be changed',
			bdg.report_label(r), r.status, what));
	END LOOP;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	IF TG_OP = 'UPDATE' AND NEW.report_id <> OLD.report_id THEN
		PERFORM bdg.fail('BD422', format('%s cannot move to another report', what));
	END IF;
	IF TG_TABLE_NAME = 'report_activity' THEN
		IF NOT EXISTS (SELECT 1 FROM bdg.activity a JOIN bdg.report rp ON rp.plan_id = a.plan_id
		               WHERE a.id = NEW.activity_id AND rp.id = NEW.report_id) THEN
			PERFORM bdg.fail('BD422', format('activity %s is not an activity of the report''s plan',
				NEW.activity_id), '/activity_results');
		END IF;
		RETURN NEW;
	END IF;
	NEW.period := (SELECT period FROM bdg.report WHERE id = NEW.report_id);
	SELECT * INTO ind FROM bdg.indicator WHERE id = NEW.indicator_id;
	IF NOT FOUND OR NEW.period IS NULL THEN
		NEW.period := coalesce(NEW.period, '');
		RETURN NEW;     -- the foreign keys answer
	END IF;
	NEW.value := trim_scale(NEW.value);
	IF ind.aggregation = 'ratio' THEN
		PERFORM bdg.fail('BD422', format('indicator %s is computed (%s): enter its parts instead',
			ind.code, bdg.indicator_formula(ind)), '/values');
	END IF;
	IF NOT ind.sex_disaggregated AND NEW.sex <> 'total' THEN
		PERFORM bdg.fail('BD422', format('indicator %s is not disaggregated by sex: its sex is "total"',
			ind.code), '/values');
	END IF;
	IF ind.measure = 'count' AND NEW.value <> trunc(NEW.value) THEN
		PERFORM bdg.fail('BD422', format('indicator %s is a count: its value is a whole number', ind.code), '/values');
	END IF;
	IF ind.measure = 'percent' AND NEW.value > 100 THEN
		PERFORM bdg.fail('BD422', format('indicator %s is a percent: its value is between 0 and 100', ind.code),
			'/values');
	END IF;
	RETURN NEW;
END $$;

-- Statement level: the parents touched; for values, each sex-disaggregated
-- indicator of those reports has female and male, and a count has its total
-- equal to their sum.
CREATE FUNCTION bdg.report_part_after() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
	bad record;
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(DISTINCT report_id) INTO ids FROM new_rows;
	ELSIF TG_OP = 'UPDATE' THEN
		SELECT array_agg(DISTINCT x.report_id) INTO ids
		FROM (SELECT report_id FROM new_rows UNION SELECT report_id FROM old_rows) x;
	ELSE
		SELECT array_agg(DISTINCT report_id) INTO ids FROM old_rows;
	END IF;
	IF ids IS NULL THEN
		RETURN NULL;
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

CREATE TRIGGER report_activity_before BEFORE INSERT OR UPDATE OR DELETE ON bdg.report_activity
	FOR EACH ROW EXECUTE FUNCTION bdg.report_part_before();
CREATE TRIGGER report_activity_after_insert AFTER INSERT ON bdg.report_activity
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.report_part_after();
CREATE TRIGGER report_activity_after_update AFTER UPDATE ON bdg.report_activity
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.report_part_after();
CREATE TRIGGER report_activity_after_delete AFTER DELETE ON bdg.report_activity
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.report_part_after();

CREATE TRIGGER report_value_before BEFORE INSERT OR UPDATE OR DELETE ON bdg.report_value
	FOR EACH ROW EXECUTE FUNCTION bdg.report_part_before();
CREATE TRIGGER report_value_after_insert AFTER INSERT ON bdg.report_value
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.report_part_after();
CREATE TRIGGER report_value_after_update AFTER UPDATE ON bdg.report_value
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.report_part_after();
CREATE TRIGGER report_value_after_delete AFTER DELETE ON bdg.report_value
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.report_part_after();

-- Writing the parts -----------------------------------------------------------

-- Replace the values of report rid with a set of (indicator, sex, value),
-- touching only the rows that change (an unchanged set writes nothing: no
-- version, no revision). The triggers check the rules again.
CREATE FUNCTION bdg.report_set_values(rid bigint, inds bigint[], sexes text[], vals numeric[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM bdg.report_value v
	WHERE v.report_id = rid AND NOT EXISTS (
		SELECT 1 FROM unnest(inds, sexes) AS n (indicator_id, sex)
		WHERE n.indicator_id = v.indicator_id AND n.sex = v.sex);
	INSERT INTO bdg.report_value AS v (report_id, indicator_id, sex, value)
	SELECT rid, n.indicator_id, n.sex, trim_scale(n.value) FROM unnest(inds, sexes, vals) AS n (indicator_id, sex, value)
	ON CONFLICT (report_id, indicator_id, sex) DO UPDATE SET value = EXCLUDED.value
	WHERE v.value IS DISTINCT FROM EXCLUDED.value;
END $$;

-- The same for activity results, from a jsonb array of
-- {activity, status, sessions, participants_female, participants_male, notes}.
CREATE FUNCTION bdg.report_set_activities(rid bigint, acts jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM bdg.report_activity a
	WHERE a.report_id = rid AND NOT EXISTS (
		SELECT 1 FROM jsonb_array_elements(acts) e WHERE (e ->> 'activity')::bigint = a.activity_id);
	INSERT INTO bdg.report_activity AS a (report_id, activity_id, status, sessions,
		participants_female, participants_male, notes)
	SELECT rid, (e ->> 'activity')::bigint, e ->> 'status', (e ->> 'sessions')::int,
		(e ->> 'participants_female')::int, (e ->> 'participants_male')::int, e ->> 'notes'
	FROM jsonb_array_elements(acts) e
	ON CONFLICT (report_id, activity_id) DO UPDATE SET status = EXCLUDED.status,
		sessions = EXCLUDED.sessions, participants_female = EXCLUDED.participants_female,
		participants_male = EXCLUDED.participants_male, notes = EXCLUDED.notes
	WHERE (a.status, a.sessions, a.participants_female, a.participants_male, a.notes) IS DISTINCT FROM
	      (EXCLUDED.status, EXCLUDED.sessions, EXCLUDED.participants_female, EXCLUDED.participants_male,
	       EXCLUDED.notes);
END $$;

-- Replace the activity results and values of report rid from the API's
-- arrays (shapes already checked by lib/report.c), naming the item at
-- fault (/values/3/indicator, /activity_results/0/activity):
--   values: {indicator: code, sex: female|male|total (default total), value}
--   activity_results: {activity: id, status, sessions, participants_female,
--                      participants_male, notes}
-- A sex-disaggregated count gets its total derived when absent. An
-- indicator no longer in use is refused unless the report already had it.
CREATE FUNCTION bdg.report_put(rid bigint, vals jsonb, acts jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	r bdg.report;
	it record;
	f text;
	seen text[] := '{}';
	inds bigint[] := '{}';
	sexes text[] := '{}';
	nums numeric[] := '{}';
	g record;
BEGIN
	SELECT * INTO r FROM bdg.report WHERE id = rid;
	IF NOT FOUND THEN
		PERFORM bdg.fail('BD404', 'No such resource, or it is out of your reach.');
	END IF;
	vals := coalesce(vals, '[]');
	acts := coalesce(acts, '[]');

	FOR it IN
		SELECT (t.i - 1)::int AS idx, t.e ->> 'indicator' AS code, coalesce(t.e ->> 'sex', 'total') AS sex,
		       (t.e ->> 'value')::numeric AS value, i.id, i.measure, i.aggregation, i.sex_disaggregated,
		       i.active
		FROM jsonb_array_elements(vals) WITH ORDINALITY AS t (e, i)
		LEFT JOIN bdg.indicator i ON i.code = t.e ->> 'indicator'
		ORDER BY t.i
	LOOP
		f := '/values/' || it.idx;
		IF it.id IS NULL THEN
			PERFORM bdg.fail('BD422', format('no such indicator: %s', it.code), f || '/indicator');
		END IF;
		IF it.aggregation = 'ratio' THEN
			PERFORM bdg.fail('BD422', format('indicator %s is computed (%s): enter its parts instead',
				it.code, (SELECT bdg.indicator_formula(i) FROM bdg.indicator i WHERE i.id = it.id)), f || '/indicator');
		END IF;
		IF NOT it.active AND NOT EXISTS (SELECT 1 FROM bdg.report_value v
		                                 WHERE v.report_id = rid AND v.indicator_id = it.id) THEN
			PERFORM bdg.fail('BD422', format('indicator %s is no longer in use', it.code), f || '/indicator');
		END IF;
		IF NOT it.sex_disaggregated AND it.sex <> 'total' THEN
			PERFORM bdg.fail('BD422', format('indicator %s is not disaggregated by sex: its sex is "total"',
				it.code), f || '/sex');
		END IF;
		IF it.value < 0 THEN
			PERFORM bdg.fail('BD422', 'must not be negative', f || '/value');
		END IF;
		IF it.measure = 'count' AND it.value <> trunc(it.value) THEN
			PERFORM bdg.fail('BD422', format('indicator %s is a count: its value is a whole number', it.code),
				f || '/value');
		END IF;
		IF it.measure = 'percent' AND it.value > 100 THEN
			PERFORM bdg.fail('BD422', format('indicator %s is a percent: its value is between 0 and 100', it.code),
				f || '/value');
		END IF;
		IF (it.code || ' ' || it.sex) = ANY (seen) THEN
			PERFORM bdg.fail('BD422', format('%s %s is given twice', it.code, it.sex), f);
		END IF;
		seen := seen || (it.code || ' ' || it.sex);
		inds := inds || it.id;
		sexes := sexes || it.sex;
		nums := nums || it.value;
	END LOOP;

	-- Sex-disaggregated indicators: female and male; a count's total.
	FOR g IN
		SELECT i.code, i.measure, x.*
		FROM (SELECT n.indicator_id, min(n.o) - 1 AS first_idx,
		             max(n.value) FILTER (WHERE n.sex = 'female') AS fv,
		             max(n.value) FILTER (WHERE n.sex = 'male') AS mv,
		             max(n.value) FILTER (WHERE n.sex = 'total') AS tv,
		             min(n.o) FILTER (WHERE n.sex = 'total') - 1 AS total_idx
		      FROM unnest(inds, sexes, nums) WITH ORDINALITY AS n (indicator_id, sex, value, o)
		      GROUP BY n.indicator_id) x
		JOIN bdg.indicator i ON i.id = x.indicator_id
		WHERE i.sex_disaggregated
		ORDER BY x.first_idx
	LOOP
		IF g.fv IS NULL OR g.mv IS NULL THEN
			PERFORM bdg.fail('BD422', format('indicator %s is disaggregated by sex: give female and male%s',
				g.code, CASE WHEN g.measure = 'count' THEN ' (the total is their sum)' ELSE '' END),
				'/values/' || g.first_idx || '/sex');
		END IF;
		IF g.measure = 'count' THEN
			IF g.tv IS NULL THEN
				inds := inds || g.indicator_id;
				sexes := sexes || 'total'::text;
				nums := nums || (g.fv + g.mv);
			ELSIF g.tv <> g.fv + g.mv THEN
				PERFORM bdg.fail('BD422', format('the total of %s must be female + male = %s', g.code, g.fv + g.mv),
					'/values/' || g.total_idx || '/value');
			END IF;
		END IF;
	END LOOP;

	seen := '{}';
	FOR it IN
		SELECT (t.i - 1)::int AS idx, t.e ->> 'activity' AS aid, a.plan_id
		FROM jsonb_array_elements(acts) WITH ORDINALITY AS t (e, i)
		LEFT JOIN bdg.activity a ON a.id = (t.e ->> 'activity')::bigint
		ORDER BY t.i
	LOOP
		f := '/activity_results/' || it.idx || '/activity';
		IF it.plan_id IS DISTINCT FROM r.plan_id THEN
			PERFORM bdg.fail('BD422', format('activity %s is not an activity of plan %s', it.aid,
				(SELECT bdg.plan_label(p) FROM bdg.plan p WHERE p.id = r.plan_id)), f);
		END IF;
		IF it.aid = ANY (seen) THEN
			PERFORM bdg.fail('BD422', format('activity %s is given twice', it.aid), f);
		END IF;
		seen := seen || it.aid;
	END LOOP;

	PERFORM bdg.report_set_activities(rid, acts);
	PERFORM bdg.report_set_values(rid, inds, sexes, nums);
END $$;

-- Consolidation (tổng hợp) ------------------------------------------------------

-- Fill report rid, the issuing unit's own report (draft or returned), with
-- its recipients' ACCEPTED reports on the same plan and period:
--   * values by each indicator's aggregation rule, per sex: sum, max,
--     latest (the value of the most recently accepted report); ratios are
--     not entered (the document computes them from the summed parts);
--   * activity results per activity of the plan: sessions and participants
--     summed; status done when every report says done, not_done when every
--     one says not_done, otherwise partly; notes labelled by unit;
--   * results, difficulties and recommendations: each report's text as a
--     line "- <unit name>: <text>", by unit code.
-- Everything consolidated is replaced; other fields stay. Returns the
-- number of reports consolidated.
CREATE FUNCTION bdg.report_consolidate(rid bigint) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	r bdg.report;
	n int;
	src bigint[];
	inds bigint[];
	sexes text[];
	nums numeric[];
	acts jsonb;
BEGIN
	SELECT * INTO r FROM bdg.report WHERE id = rid FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM bdg.fail('BD404', 'No such resource, or it is out of your reach.');
	END IF;
	IF NOT r.own THEN
		PERFORM bdg.fail('BD422', format('report %s is not the issuing unit''s own report: only that one is '
			'consolidated from the recipients'' reports', bdg.report_label(r)), '/unit');
	END IF;
	IF r.status NOT IN ('draft', 'returned') THEN
		PERFORM bdg.fail('BD409', format('report %s is %s: its content can no longer be changed',
			bdg.report_label(r), r.status));
	END IF;

	SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') INTO src FROM bdg.report s
	WHERE s.plan_id = r.plan_id AND s.period = r.period AND NOT s.own AND s.status = 'accepted';
	n := cardinality(src);
	IF n = 0 THEN
		PERFORM bdg.fail('BD409', format('report %s: no recipient''s report for %s has been accepted yet, '
			'there is nothing to consolidate', bdg.report_label(r), r.period));
	END IF;

	UPDATE bdg.report t SET
		results = x.results, difficulties = x.difficulties, recommendations = x.recommendations
	FROM (SELECT
		string_agg('- ' || u.name || ': ' || btrim(s.results), E'\n' ORDER BY u.code)
			FILTER (WHERE coalesce(btrim(s.results), '') <> '') AS results,
		string_agg('- ' || u.name || ': ' || btrim(s.difficulties), E'\n' ORDER BY u.code)
			FILTER (WHERE coalesce(btrim(s.difficulties), '') <> '') AS difficulties,
		string_agg('- ' || u.name || ': ' || btrim(s.recommendations), E'\n' ORDER BY u.code)
			FILTER (WHERE coalesce(btrim(s.recommendations), '') <> '') AS recommendations
	      FROM bdg.report s JOIN bdg.unit u ON u.id = s.unit_id WHERE s.id = ANY (src)) x
	WHERE t.id = rid;

	SELECT coalesce(array_agg(a.indicator_id ORDER BY a.indicator_id, a.sex), '{}'),
	       coalesce(array_agg(a.sex ORDER BY a.indicator_id, a.sex), '{}'),
	       coalesce(array_agg(a.value ORDER BY a.indicator_id, a.sex), '{}')
	INTO inds, sexes, nums
	FROM (SELECT v.indicator_id, v.sex,
	             CASE i.aggregation WHEN 'sum' THEN sum(v.value) WHEN 'max' THEN max(v.value)
	                  ELSE (array_agg(v.value ORDER BY s.accepted_at DESC, s.id DESC))[1] END AS value
	      FROM bdg.report s JOIN bdg.report_value v ON v.report_id = s.id
	      JOIN bdg.indicator i ON i.id = v.indicator_id
	      WHERE s.id = ANY (src) AND i.aggregation <> 'ratio'
	      GROUP BY v.indicator_id, v.sex, i.aggregation) a;

	SELECT coalesce(jsonb_agg(jsonb_build_object('activity', x.activity_id, 'status', x.status,
			'sessions', x.sessions, 'participants_female', x.pf, 'participants_male', x.pm, 'notes', x.notes)
			ORDER BY x.activity_id), '[]')
	INTO acts
	FROM (SELECT a.activity_id,
	             CASE WHEN bool_and(a.status = 'done') THEN 'done'
	                  WHEN bool_and(a.status = 'not_done') THEN 'not_done' ELSE 'partly' END AS status,
	             sum(a.sessions) AS sessions, sum(a.participants_female) AS pf, sum(a.participants_male) AS pm,
	             left(string_agg('- ' || u.name || ': ' || btrim(a.notes), E'\n' ORDER BY u.code)
	                  FILTER (WHERE coalesce(btrim(a.notes), '') <> ''), 2000) AS notes
	      FROM bdg.report s JOIN bdg.report_activity a ON a.report_id = s.id
	      JOIN bdg.unit u ON u.id = s.unit_id
	      WHERE s.id = ANY (src)
	      GROUP BY a.activity_id) x;

	PERFORM bdg.report_set_activities(rid, acts);
	PERFORM bdg.report_set_values(rid, inds, sexes, nums);
	RETURN n;
END $$;
