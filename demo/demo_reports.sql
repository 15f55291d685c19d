-- demo_reports.sql: reports on the seed plans, loaded by `bdgd demo` after
-- demo.sql, in one transaction as actor 'demo'. Idempotent: a report that
-- exists (plan, unit, period) is left alone, so a second run writes nothing
-- (no row, no audit revision). Every report is inserted as a draft with its
-- content and then moved along the workflow by updates, so that triggers,
-- timeliness and the audit log are exactly as through the API; the
-- submission and decision times are given (the workflow's "unless given").
--
-- What completeness and roll-up show (figures invented, plausible for the
-- units; the seeds carry none):
--   Vân Canh 2024 (plan of TTYT Vân Canh, due 25/5 and 25/11), 8 khoa/phòng/trạm:
--     2024-H1  KHNV, KKB, TYT-VC accepted on time; KCSSKSS accepted, 3 days
--              LATE; KKSBT RETURNED (reason); TYT-CTHUAN submitted on the
--              evening of the deadline; TYT-CVINH draft; TYT-CHIEN MISSING.
--              The centre's own report: a draft consolidated from the four
--              accepted ones, to Sở Y tế Bình Định.
--     2024     KHNV, KKB, TYT-VC accepted; KCSSKSS submitted 2 days late;
--              the other four missing.
--   Sở Y tế Thừa Thiên Huế 595/KH-SYT, 2019 (due 01/12): CDC and BVYHCT
--     accepted on time, TTYT Hương Trà accepted 2 days late, TTYT Phú Lộc
--     missing; the department's own report consolidated, sent to UBND tỉnh
--     (53/KH-UBND, due 05/12) on 04/12 and accepted.
--   Hương Trà 2023 (due 20/11), wards and divisions: Tứ Hạ, Hương Văn
--     accepted, Hương Xuân accepted late, Hương Chữ returned, Bình Tiến
--     submitted, Bình Thành missing; Phòng LĐTBXH, Nội vụ, Văn hóa và Thông
--     tin, Công an and TTYT Hương Trà (a unit of Sở Y tế, reporting across
--     the tree) accepted; Phòng Tư pháp draft; the others missing.

SELECT set_config('app.sub', 'demo', true);

-- Helpers (session-temporary, dropped at the end) -----------------------------

-- The plan of this issuer and year (with this number, or the unit's only
-- plan of the year without one).
CREATE OR REPLACE FUNCTION pg_temp.demo_plan_id(issuer text, num text, yr int) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	pid bigint;
BEGIN
	SELECT p.id INTO pid FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id
	WHERE u.code = issuer AND p.year = yr AND p.number IS NOT DISTINCT FROM num
	ORDER BY p.id LIMIT 1;
	IF pid IS NULL THEN
		RAISE EXCEPTION 'demo: no plan % % %', issuer, num, yr;
	END IF;
	RETURN pid;
END $$;

-- Values in short form {"GEN-0201": [female, male], "GEN-0401": total}
-- as the API's array (totals of disaggregated counts are derived).
CREATE OR REPLACE FUNCTION pg_temp.demo_values(v jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT coalesce(jsonb_agg(x.item ORDER BY x.k, x.o), '[]'::jsonb) FROM (
		SELECT e.key AS k, 1 AS o, jsonb_build_object('indicator', e.key, 'sex', 'female', 'value', e.value -> 0) AS item
		FROM jsonb_each(v) e WHERE jsonb_typeof(e.value) = 'array'
		UNION ALL
		SELECT e.key, 2, jsonb_build_object('indicator', e.key, 'sex', 'male', 'value', e.value -> 1)
		FROM jsonb_each(v) e WHERE jsonb_typeof(e.value) = 'array'
		UNION ALL
		SELECT e.key, 0, jsonb_build_object('indicator', e.key, 'sex', 'total', 'value', e.value)
		FROM jsonb_each(v) e WHERE jsonb_typeof(e.value) = 'number') x
$$;

-- Activity results in short form [[section, category, status, sessions,
-- female, male], ...]: the first activity of the plan with that section and
-- category.
CREATE OR REPLACE FUNCTION pg_temp.demo_acts(pid bigint, a jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('activity', act.id, 'status', x.e ->> 2,
		'sessions', (x.e ->> 3)::int, 'participants_female', (x.e ->> 4)::int,
		'participants_male', (x.e ->> 5)::int) ORDER BY x.o), '[]'::jsonb)
	FROM jsonb_array_elements(a) WITH ORDINALITY AS x (e, o)
	CROSS JOIN LATERAL (SELECT ac.id FROM bdg.activity ac
		WHERE ac.plan_id = pid AND ac.section = x.e ->> 0 AND ac.category = x.e ->> 1
		ORDER BY ac.id LIMIT 1) act
$$;

-- A report of this unit on plan pid for period per, unless it exists:
-- inserted as a draft with its content, then taken to `final` (draft,
-- submitted, accepted or returned) at the times given (Vietnam time).
-- consolidate: fill it from the recipients' accepted reports first (an
-- issuing unit's own report). Returns its id.
CREATE OR REPLACE FUNCTION pg_temp.demo_report(pid bigint, unit_code text, per text,
	res text, diff text, recs text, vals jsonb, acts jsonb,
	final text DEFAULT 'draft', sent timestamp DEFAULT NULL, decided timestamp DEFAULT NULL,
	reason text DEFAULT NULL, consolidate boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	uid bigint;
	rid bigint;
BEGIN
	SELECT id INTO uid FROM bdg.unit WHERE code = unit_code;
	IF uid IS NULL THEN
		RAISE EXCEPTION 'demo: no unit %', unit_code;
	END IF;
	SELECT id INTO rid FROM bdg.report WHERE plan_id = pid AND unit_id = uid AND period = per;
	IF rid IS NOT NULL THEN
		RETURN rid;
	END IF;
	INSERT INTO bdg.report (plan_id, unit_id, period, results, difficulties, recommendations)
	VALUES (pid, uid, per, res, diff, recs) RETURNING id INTO rid;
	PERFORM bdg.report_put(rid, pg_temp.demo_values(vals), pg_temp.demo_acts(pid, acts));
	IF consolidate THEN
		PERFORM bdg.report_consolidate(rid);
	END IF;
	IF final IN ('submitted', 'accepted', 'returned') THEN
		UPDATE bdg.report SET status = 'submitted', submitted_at = sent AT TIME ZONE 'Asia/Ho_Chi_Minh'
		WHERE id = rid;
	END IF;
	IF final = 'accepted' THEN
		UPDATE bdg.report SET status = 'accepted', accepted_at = decided AT TIME ZONE 'Asia/Ho_Chi_Minh'
		WHERE id = rid;
	ELSIF final = 'returned' THEN
		UPDATE bdg.report SET status = 'returned', returned_at = decided AT TIME ZONE 'Asia/Ho_Chi_Minh',
			return_reason = reason
		WHERE id = rid;
	END IF;
	RETURN rid;
END $$;

DO $demo$
DECLARE
	pvc bigint := pg_temp.demo_plan_id('BDI-SYT-TTYT-VC', NULL, 2024);
	p595 bigint := pg_temp.demo_plan_id('HUE-SYT', '595/KH-SYT', 2019);
	pht bigint := pg_temp.demo_plan_id('HUE-HT', NULL, 2023);
BEGIN

-- Vân Canh 2024, six months (due 25/5/2024) ------------------------------------

PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-KHNV', '2024-H1',
	'Phòng Kế hoạch - Nghiệp vụ đã lồng ghép nội dung bình đẳng giới vào giao ban chuyên môn hằng tháng; tổ chức 02 buổi truyền thông Luật Bình đẳng giới cho viên chức, người lao động.',
	'Viên chức kiêm nhiệm nhiều việc, thời gian dành cho hoạt động bình đẳng giới còn hạn chế.',
	'Đề nghị Trung tâm bố trí kinh phí cho hoạt động truyền thông trong Tháng hành động.',
	'{"GEN-0201": [14, 6], "GEN-0302": [1, 1], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 2, "GEN-0402": [19, 7]}',
	'[["II.1", "communication", "done", 2, 19, 7], ["II.2", "other", "done", null, null, null],
	  ["II.4", "statistics", "done", null, null, null]]',
	'accepted', '2024-05-20 09:15', '2024-05-27 08:30');
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-KKB', '2024-H1',
	'Khoa Khám bệnh phổ biến quy trình tiếp nhận người bệnh là nạn nhân bạo lực gia đình; tuyên truyền tại khu vực chờ khám.',
	'Người bệnh là nạn nhân bạo lực thường không khai báo, khó phát hiện để hỗ trợ.',
	'Đề nghị tập huấn kỹ năng phát hiện, tư vấn nạn nhân bạo lực trên cơ sở giới cho điều dưỡng.',
	'{"GEN-0201": [11, 5], "GEN-0302": [1, 1], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 3, "GEN-0402": [46, 21], "GEN-0507": [3, 0]}',
	'[["II.1", "communication", "done", 3, 46, 21], ["II.3.b", "model", "partly", 1, 8, 2]]',
	'accepted', '2024-05-24 16:40', '2024-05-27 08:45');
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-KCSSKSS', '2024-H1',
	'Khoa Chăm sóc sức khỏe sinh sản tư vấn về bình đẳng giới trong chăm sóc sức khỏe sinh sản, mất cân bằng giới tính khi sinh.',
	'Báo cáo chậm do khoa tập trung cho chiến dịch tiêm chủng mở rộng.',
	NULL,
	'{"GEN-0101": [58, 64], "GEN-0201": [9, 1], "GEN-0302": [2, 0], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 4, "GEN-0402": [112, 18], "GEN-0507": [2, 0]}',
	'[["II.1", "communication", "done", 4, 112, 18], ["II.3.b", "model", "done", 2, 30, 4]]',
	'accepted', '2024-05-28 08:30', '2024-05-30 14:00');
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-KKSBT', '2024-H1',
	'Khoa Kiểm soát bệnh tật và HIV/AIDS lồng ghép truyền thông bình đẳng giới vào các buổi truyền thông phòng chống HIV/AIDS.',
	NULL, NULL,
	'{"GEN-0201": [8, 7], "GEN-0302": [0, 2], "GEN-0303": 0, "GEN-0304": 1, "GEN-0401": 2, "GEN-0402": [37, 29]}',
	'[["II.1", "communication", "done", 2, 37, 29], ["II.4", "capacity_building", "not_done", 0, 0, 0]]',
	'returned', '2024-05-23 10:05', '2024-05-27 09:00',
	'Báo cáo chưa có số liệu chỉ tiêu GEN-0405 (số lượt người được tập huấn) chia theo giới tính và chưa nêu khó khăn, kiến nghị; đề nghị khoa bổ sung và gửi lại trước ngày 31/5/2024.');
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-TYT-VC', '2024-H1',
	'Trạm Y tế thị trấn Vân Canh phối hợp với Hội Liên hiệp Phụ nữ thị trấn truyền thông phòng ngừa bạo lực gia đình tại 03 khu phố.',
	'Địa bàn rộng, đồng bào dân tộc thiểu số chiếm tỷ lệ cao, cần tài liệu truyền thông bằng tiếng Bana.',
	'Đề nghị Trung tâm hỗ trợ tài liệu truyền thông song ngữ.',
	'{"GEN-0201": [5, 2], "GEN-0302": [1, 0], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 3, "GEN-0402": [85, 40], "GEN-0507": [1, 0]}',
	'[["II.1", "communication", "done", 3, 85, 40], ["II.3.b", "model", "partly", 1, 20, 6]]',
	'accepted', '2024-05-22 15:20', '2024-05-27 09:10');
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-TYT-CTHUAN', '2024-H1',
	'Trạm Y tế xã Canh Thuận lồng ghép truyền thông bình đẳng giới trong các buổi khám sức khỏe định kỳ tại thôn.',
	NULL, NULL,
	'{"GEN-0201": [4, 2], "GEN-0302": [0, 1], "GEN-0303": 0, "GEN-0304": 1, "GEN-0401": 2, "GEN-0402": [41, 22]}',
	'[["II.1", "communication", "done", 2, 41, 22]]',
	'submitted', '2024-05-25 21:10');
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-TYT-CVINH', '2024-H1',
	'Trạm Y tế xã Canh Vinh (đang tổng hợp).', NULL, NULL,
	'{"GEN-0201": [3, 2]}', '[]');
-- BDI-SYT-TTYT-VC-TYT-CHIEN: no report (missing).
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC', '2024-H1', NULL, NULL, NULL, '{}', '[]',
	consolidate => true);

-- Vân Canh 2024, year (due 25/11/2024) --------------------------------------------

PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-KHNV', '2024',
	'Hoàn thành các nhiệm vụ được giao trong Kế hoạch; tổ chức 01 hoạt động hưởng ứng Tháng hành động.',
	NULL, NULL,
	'{"GEN-0201": [14, 7], "GEN-0302": [1, 1], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 4, "GEN-0402": [40, 15], "GEN-0508": 1}',
	'[["II.1", "communication", "done", 4, 40, 15], ["II.3.a", "action_month", "done", 1, 21, 8]]',
	'accepted', '2024-11-20 10:00', '2024-11-26 08:00');
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-KKB', '2024',
	'Duy trì tuyên truyền tại khu vực chờ khám; tiếp nhận, chăm sóc 05 người bệnh là nạn nhân bạo lực gia đình.',
	'Chưa có phòng tư vấn riêng cho nạn nhân.', 'Đề nghị bố trí phòng tư vấn riêng.',
	'{"GEN-0201": [11, 5], "GEN-0302": [1, 1], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 6, "GEN-0402": [90, 38], "GEN-0507": [5, 0], "GEN-0508": 2}',
	'[["II.1", "communication", "done", 6, 90, 38], ["II.3.a", "action_month", "done", 2, 35, 12]]',
	'accepted', '2024-11-22 14:30', '2024-11-26 08:10');
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-TYT-VC', '2024',
	'Phối hợp tổ chức Lễ phát động Tháng hành động tại thị trấn; truyền thông tại 05 khu phố.',
	NULL, NULL,
	'{"GEN-0201": [5, 2], "GEN-0302": [1, 0], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 7, "GEN-0402": [190, 96], "GEN-0507": [2, 0], "GEN-0508": 3}',
	'[["II.1", "communication", "done", 7, 190, 96], ["II.3.a", "action_month", "done", 3, 120, 64]]',
	'accepted', '2024-11-25 17:00', '2024-11-27 09:00');
PERFORM pg_temp.demo_report(pvc, 'BDI-SYT-TTYT-VC-KCSSKSS', '2024',
	'Tư vấn cho 260 lượt phụ nữ mang thai về bình đẳng giới trong gia đình.',
	NULL, NULL,
	'{"GEN-0101": [121, 133], "GEN-0201": [9, 1], "GEN-0302": [2, 0], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 8, "GEN-0402": [260, 41]}',
	'[["II.1", "communication", "done", 8, 260, 41]]',
	'submitted', '2024-11-27 08:15');

-- Sở Y tế Thừa Thiên Huế, 595/KH-SYT, year 2019 (due 01/12/2019) ---------------

PERFORM pg_temp.demo_report(p595, 'HUE-SYT-CDC', '2019',
	'Trung tâm Kiểm soát bệnh tật tổ chức 05 cuộc truyền thông về bình đẳng giới và phòng chống bạo lực gia đình; kiện toàn Ban vì sự tiến bộ của phụ nữ.',
	'Kinh phí cho hoạt động bình đẳng giới chưa được bố trí riêng.',
	'Đề nghị Sở Y tế hướng dẫn định mức chi cho hoạt động bình đẳng giới.',
	'{"GEN-0201": [96, 71], "GEN-0302": [2, 3], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 5, "GEN-0402": [210, 140], "GEN-0404": 1, "GEN-0405": [30, 12]}',
	'[["II.1", "communication", "done", 5, 210, 140], ["II.2", "capacity_building", "done", 1, 30, 12],
	  ["II.6", "committee", "done", null, null, null]]',
	'accepted', '2019-11-28 09:00', '2019-12-02 10:00');
PERFORM pg_temp.demo_report(p595, 'HUE-SYT-BVYHCT', '2019',
	'Bệnh viện Y học cổ truyền quy hoạch 04 nữ cán bộ vào các chức danh lãnh đạo khoa, phòng; truyền thông tại các khoa.',
	NULL,
	'Đề nghị Sở tổ chức tập huấn kỹ năng lãnh đạo cho nữ cán bộ trong diện quy hoạch.',
	'{"GEN-0201": [142, 58], "GEN-0203": [4, 3], "GEN-0302": [1, 2], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 3, "GEN-0402": [160, 61]}',
	'[["II.1", "communication", "done", 3, 160, 61], ["II.3", "targeted_direction", "done", null, null, null]]',
	'accepted', '2019-11-29 15:30', '2019-12-02 10:15');
PERFORM pg_temp.demo_report(p595, 'HUE-SYT-TTYT-HT', '2019',
	'Trung tâm Y tế thị xã Hương Trà tiếp nhận, chăm sóc 07 người bệnh là nạn nhân bạo lực gia đình; hưởng ứng Tháng hành động.',
	'Báo cáo chậm do thay đổi cán bộ phụ trách.',
	NULL,
	'{"GEN-0201": [118, 64], "GEN-0302": [1, 2], "GEN-0303": 1, "GEN-0304": 1, "GEN-0401": 4, "GEN-0402": [150, 90], "GEN-0507": [6, 1], "GEN-0508": 2}',
	'[["II.1", "communication", "done", 4, 150, 90], ["II.4", "victim_support", "done", null, 6, 1],
	  ["II.5", "action_month", "done", 2, 80, 45]]',
	'accepted', '2019-12-03 16:00', '2019-12-04 09:00');
-- HUE-SYT-TTYT-PL: no report (missing).
PERFORM pg_temp.demo_report(p595, 'HUE-SYT', '2019', NULL, NULL, NULL, '{}', '[]',
	'accepted', '2019-12-04 10:00', '2019-12-10 08:30', consolidate => true);

-- Hương Trà 2023 (due 20/11/2023) --------------------------------------------------

PERFORM pg_temp.demo_report(pht, 'HUE-HT-TUHA', '2023',
	'Phường Tứ Hạ tổ chức 04 buổi truyền thông tại các tổ dân phố; duy trì Câu lạc bộ gia đình phát triển bền vững.',
	NULL, 'Đề nghị thị xã hỗ trợ kinh phí duy trì câu lạc bộ.',
	'{"GEN-0306": [9, 16], "GEN-0401": 4, "GEN-0402": [160, 75], "GEN-0501": 2, "GEN-0502": [2, 0], "GEN-0503": [2, 0], "GEN-0508": 2}',
	'[["II.1", "communication", "done", 4, 160, 75], ["II.4", "action_month", "done", 2, 90, 40],
	  ["IV.11", "other", "done", null, null, null]]',
	'accepted', '2023-11-15 09:00', '2023-11-22 14:00');
PERFORM pg_temp.demo_report(pht, 'HUE-HT-HUONGVAN', '2023',
	'Phường Hương Văn duy trì mô hình Địa chỉ tin cậy - nhà tạm lánh; tiếp nhận, hỗ trợ 03 nạn nhân bạo lực gia đình.',
	'Nhà tạm lánh thiếu trang thiết bị thiết yếu.',
	'Đề nghị hỗ trợ trang thiết bị cho nhà tạm lánh.',
	'{"GEN-0306": [8, 17], "GEN-0401": 5, "GEN-0402": [210, 95], "GEN-0501": 3, "GEN-0502": [3, 0], "GEN-0503": [3, 0], "GEN-0505": 1, "GEN-0508": 3}',
	'[["II.1", "communication", "done", 5, 210, 95], ["II.3", "targeted_direction", "done", null, null, null],
	  ["II.4", "action_month", "done", 3, 130, 52]]',
	'accepted', '2023-11-17 10:30', '2023-11-22 14:10');
PERFORM pg_temp.demo_report(pht, 'HUE-HT-HUONGXUAN', '2023',
	'Phường Hương Xuân lồng ghép tuyên truyền bình đẳng giới trong sinh hoạt của các hội, đoàn thể.',
	'Báo cáo chậm do cán bộ văn hóa - xã hội nghỉ phép.', NULL,
	'{"GEN-0306": [7, 18], "GEN-0401": 3, "GEN-0402": [120, 60], "GEN-0501": 1, "GEN-0502": [1, 0], "GEN-0503": [0, 0], "GEN-0508": 1}',
	'[["II.1", "communication", "done", 3, 120, 60], ["II.4", "action_month", "partly", 1, 45, 20]]',
	'accepted', '2023-11-22 08:00', '2023-11-24 10:00');
PERFORM pg_temp.demo_report(pht, 'HUE-HT-HUONGCHU', '2023',
	'Phường Hương Chữ tổ chức truyền thông về phòng, chống bạo lực gia đình.',
	NULL, NULL,
	'{"GEN-0306": [6, 19], "GEN-0401": 2, "GEN-0402": [80, 45], "GEN-0501": 4, "GEN-0502": [5, 1], "GEN-0503": [3, 0]}',
	'[["II.1", "communication", "done", 2, 80, 45]]',
	'returned', '2023-11-19 16:00', '2023-11-23 08:30',
	'Số liệu người bị bạo lực trên cơ sở giới (GEN-0502) chưa khớp với số liệu của Công an thị xã; đề nghị phường rà soát, đối chiếu và gửi lại báo cáo.');
PERFORM pg_temp.demo_report(pht, 'HUE-HT-BINHTIEN', '2023',
	'Xã Bình Tiến tổ chức 02 buổi truyền thông lưu động tại các thôn.',
	'Địa bàn miền núi, dân cư phân tán.', 'Đề nghị hỗ trợ loa truyền thông lưu động.',
	'{"GEN-0306": [5, 20], "GEN-0401": 2, "GEN-0402": [70, 52], "GEN-0501": 0, "GEN-0502": [0, 0], "GEN-0503": [0, 0]}',
	'[["II.1", "communication", "done", 2, 70, 52]]',
	'submitted', '2023-11-20 10:00');
-- HUE-HT-BINHTHANH: no report (missing).
PERFORM pg_temp.demo_report(pht, 'HUE-HT-LDTBXH', '2023',
	'Phòng Lao động - Thương binh và Xã hội tham mưu Kế hoạch Tháng hành động năm 2023; tổ chức 01 lớp tập huấn cho cán bộ làm công tác bình đẳng giới các xã, phường.',
	'Đội ngũ làm công tác bình đẳng giới ở cơ sở chủ yếu kiêm nhiệm, thường xuyên thay đổi.',
	'Đề nghị tỉnh tổ chức tập huấn nghiệp vụ hằng năm cho cán bộ cấp xã.',
	'{"GEN-0401": 2, "GEN-0402": [70, 31], "GEN-0404": 1, "GEN-0405": [28, 9], "GEN-0406": [14, 6], "GEN-0407": [11, 4]}',
	'[["II.2", "capacity_building", "done", 1, 28, 9], ["IV.1", "other", "done", null, null, null],
	  ["IV.1", "capacity_building", "done", 1, 28, 9], ["V", "statistics", "done", null, null, null]]',
	'accepted', '2023-11-16 14:00', '2023-11-21 09:00');
PERFORM pg_temp.demo_report(pht, 'HUE-HT-NV', '2023',
	'Phòng Nội vụ cập nhật số liệu nữ lãnh đạo chủ chốt; tham mưu quy hoạch cán bộ nữ.',
	NULL, NULL,
	'{"GEN-0203": [18, 22], "GEN-0302": [6, 21], "GEN-0303": 5, "GEN-0304": 14, "GEN-0308": [3, 5]}',
	'[["IV.2", "capacity_building", "partly", 1, 16, 0], ["IV.2", "statistics", "done", null, null, null]]',
	'accepted', '2023-11-18 09:30', '2023-11-21 09:10');
PERFORM pg_temp.demo_report(pht, 'HUE-HT-VHTT', '2023',
	'Phòng Văn hóa và Thông tin lồng ghép tuyên truyền bình đẳng giới trong xây dựng gia đình văn hóa; kiểm tra 02 vụ việc bạo lực gia đình.',
	NULL, NULL,
	'{"GEN-0401": 3, "GEN-0402": [95, 70], "GEN-0403": 12, "GEN-0601": 2, "GEN-0602": 1, "GEN-0603": 1}',
	'[["IV.5", "communication", "done", 3, 95, 70], ["IV.5", "inspection", "done", 2, null, null]]',
	'accepted', '2023-11-20 11:00', '2023-11-21 09:20');
PERFORM pg_temp.demo_report(pht, 'HUE-HT-CA', '2023',
	'Công an thị xã phát hiện, xử lý 11 vụ bạo lực gia đình; phối hợp bảo vệ nạn nhân.',
	NULL, NULL,
	'{"GEN-0501": 11, "GEN-0502": [10, 2], "GEN-0503": [9, 1]}',
	'[["IV.9", "victim_support", "done", null, null, null]]',
	'accepted', '2023-11-14 08:00', '2023-11-21 09:30');
PERFORM pg_temp.demo_report(pht, 'HUE-SYT-TTYT-HT', '2023',
	'Trung tâm Y tế thị xã tư vấn bình đẳng giới trong chăm sóc sức khỏe sinh sản; tiếp nhận, chăm sóc 08 người bệnh là nạn nhân bạo lực.',
	NULL, NULL,
	'{"GEN-0101": [402, 451], "GEN-0401": 6, "GEN-0402": [320, 110], "GEN-0507": [7, 1]}',
	'[["IV.8", "victim_support", "done", 6, 320, 110]]',
	'accepted', '2023-11-17 15:00', '2023-11-21 09:40');
PERFORM pg_temp.demo_report(pht, 'HUE-HT-TP', '2023',
	'Phòng Tư pháp (dự thảo).', NULL, NULL, '{"GEN-0401": 1}', '[]');

END $demo$;

DROP FUNCTION pg_temp.demo_report(bigint, text, text, text, text, text, jsonb, jsonb, text, timestamp, timestamp, text, boolean);
DROP FUNCTION pg_temp.demo_acts(bigint, jsonb);
DROP FUNCTION pg_temp.demo_values(jsonb);
DROP FUNCTION pg_temp.demo_plan_id(text, text, int);
