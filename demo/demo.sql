-- demo.sql: the seed documents (../shared/seeds) as data, loaded by
-- `bdgd demo` in one transaction as actor 'demo'. Idempotent: every insert
-- is guarded by WHERE NOT EXISTS on its natural key, and a plan is issued
-- only while it is still a draft, so a second run writes nothing (no row,
-- no audit revision). Reports are loaded by demo_reports.sql (after this).
--
-- Units: the ones the seeds name (Thừa Thiên Huế: UBND tỉnh, Sở Y tế and
-- its units, Sở LĐTBXH, thị xã Hương Trà with the Mục IV units of its 2023
-- plan and its wards, huyện Phú Lộc; Bình Định: Sở Y tế, Trung tâm Y tế
-- huyện Vân Canh with its khoa, phòng, trạm y tế; Đắk Nông: Sở Y tế).
--
-- Plans, as the seeds give them; what a seed does not say is left NULL:
--   HUE        53/KH-UBND 2019   issued 2019-03-12  stub (known only from 595)
--   HUE-SYT    595/KH-SYT 2019   issued 2019-03-28  implements 53/KH-UBND
--   HUE        25/KH-UBND 2020   issued 2020-02-12  stub (known only from 908)
--   HUE-LDTBXH 908/SLĐTBXH-BĐG 2020 guidance, issued 2020-04-14, implements 25/2020
--   HUE        25/KH-UBND 2023   issued 2023-02-03  stub (known from Hương Trà's plan)
--   HUE-HT     (no number) 2023  issued, implements 25/KH-UBND 2023: the
--              seed copy lacks its header, so number and issued_on are NULL
--   BDI-SYT    60/KH-SYT 2024    issued 2024-05-04  stub (known from Vân Canh's plan)
--   BDI-SYT-TTYT-VC (no number) 2024  issued, implements 60/KH-SYT: the seed
--              is the copy before numbering ("Số:    /KH-TTYT", "ngày … tháng
--              5 năm 2024"); number and issued_on stay NULL rather than
--              invented. Issued, not left a draft, because it is the only
--              seed with a six-month report (due 25/5) for the reports demo.
--   DNO-SYT    (no number) 2024  guidance, issued: the notice as published
--              gives neither number nor date; its paragraphs are numbered 1-4 here
-- A plan without a number is found by unit, year and title (each such unit
-- has one plan a year here); its issued_at is the time the demo was loaded.
-- Activities follow the documents' sections; one activity per task, so a
-- section may hold several. Budgets are NULL: the seeds give no amounts.
-- Targets use the national 2025 targets of Nghị quyết 28/NQ-CP, the seeds
-- carry no figures; baselines are unknown (NULL).

SELECT set_config('app.sub', 'demo', true);

-- Helpers (session-temporary, dropped at the end) -----------------------------

CREATE OR REPLACE FUNCTION pg_temp.demo_unit_id(c text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	i bigint;
BEGIN
	SELECT id INTO i FROM bdg.unit WHERE code = c;
	IF i IS NULL THEN
		RAISE EXCEPTION 'demo: no unit %', c;
	END IF;
	RETURN i;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.demo_unit(c text, nm text, k text, parent_code text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO bdg.unit (code, name, kind, parent_id)
	SELECT c, nm, k, CASE WHEN parent_code IS NOT NULL THEN pg_temp.demo_unit_id(parent_code) END
	WHERE NOT EXISTS (SELECT 1 FROM bdg.unit u WHERE u.code = c);
END $$;

-- The plan of this issuer, number and year (or, without a number, this
-- title); created as a draft when missing. Returns its id.
CREATE OR REPLACE FUNCTION pg_temp.demo_plan(issuer text, num text, yr int, heading text,
	kind text DEFAULT 'plan', issued date DEFAULT NULL, at_place text DEFAULT NULL,
	parent bigint DEFAULT NULL, bases text[] DEFAULT '{}', aims text[] DEFAULT '{}',
	funds text DEFAULT NULL, plans_by date DEFAULT NULL,
	signed_by text DEFAULT NULL, signed_as text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	uid bigint := pg_temp.demo_unit_id(issuer);
	pid bigint;
BEGIN
	SELECT p.id INTO pid FROM bdg.plan p
	WHERE p.unit_id = uid AND p.year = yr
	  AND (p.number = num OR (num IS NULL AND p.number IS NULL AND p.title = heading));
	IF pid IS NULL THEN
		INSERT INTO bdg.plan (unit_id, number, year, type, issued_on, place, title, parent_plan_id,
			legal_bases, objectives, funding, plans_due_on, signer, signer_title)
		VALUES (uid, num, yr, kind, issued, at_place, heading, parent,
			bases, aims, funds, plans_by, signed_by, signed_as)
		RETURNING id INTO pid;
	END IF;
	RETURN pid;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.demo_recipients(pid bigint, codes text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO bdg.plan_recipient (plan_id, unit_id)
	SELECT pid, pg_temp.demo_unit_id(c) FROM unnest(codes) AS c
	WHERE NOT EXISTS (SELECT 1 FROM bdg.plan_recipient r JOIN bdg.unit u ON u.id = r.unit_id
	                  WHERE r.plan_id = pid AND u.code = c);
END $$;

-- A reporting entry; the data window defaults (Nghị định 09/2019/NĐ-CP).
CREATE OR REPLACE FUNCTION pg_temp.demo_reporting(pid bigint, per text, due date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO bdg.plan_reporting (plan_id, period, due_on)
	SELECT pid, per, due
	WHERE NOT EXISTS (SELECT 1 FROM bdg.plan_reporting r WHERE r.plan_id = pid AND r.period = per);
END $$;

-- An activity (key: plan, section, title) with its coordinating units.
CREATE OR REPLACE FUNCTION pg_temp.demo_activity(pid bigint, sec text, cat text, heading text,
	body text, lead text, coord text[] DEFAULT '{}', starts date DEFAULT NULL, ends date DEFAULT NULL)
	RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	aid bigint;
BEGIN
	IF EXISTS (SELECT 1 FROM bdg.activity a WHERE a.plan_id = pid AND a.section = sec AND a.title = heading) THEN
		RETURN;
	END IF;
	INSERT INTO bdg.activity (plan_id, section, category, title, description, lead_unit_id, starts_on, ends_on)
	VALUES (pid, sec, cat, heading, body, pg_temp.demo_unit_id(lead), starts, ends)
	RETURNING id INTO aid;
	INSERT INTO bdg.activity_unit (activity_id, unit_id)
	SELECT aid, pg_temp.demo_unit_id(c) FROM unnest(coord) AS c;
END $$;

-- Issue a draft, as of 08:00 Vietnam time on its date of issue (or now).
CREATE OR REPLACE FUNCTION pg_temp.demo_issue(pid bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE bdg.plan
	SET status = 'issued', issued_at = (issued_on + time '08:00') AT TIME ZONE 'Asia/Ho_Chi_Minh'
	WHERE id = pid AND status = 'draft';
END $$;

CREATE OR REPLACE FUNCTION pg_temp.demo_target(pid bigint, ind text, unit_code text, sx text, goal numeric)
	RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO bdg.target (plan_id, indicator_id, unit_id, sex, target)
	SELECT pid, i.id, pg_temp.demo_unit_id(unit_code), sx, goal FROM bdg.indicator i
	WHERE i.code = ind
	  AND NOT EXISTS (SELECT 1 FROM bdg.target t
	                  WHERE t.plan_id = pid AND t.indicator_id = i.id
	                    AND t.unit_id = pg_temp.demo_unit_id(unit_code) AND t.sex = sx);
	IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM bdg.indicator WHERE code = ind) THEN
		RAISE EXCEPTION 'demo: no indicator %', ind;
	END IF;
END $$;

-- Units -----------------------------------------------------------------------

SELECT pg_temp.demo_unit(c, nm, k, parent_code) FROM (VALUES
	(1, 'HUE', 'Ủy ban nhân dân tỉnh Thừa Thiên Huế', 'province', NULL),
	(2, 'HUE-SYT', 'Sở Y tế tỉnh Thừa Thiên Huế', 'department', 'HUE'),
	(3, 'HUE-SYT-TCCB', 'Phòng Tổ chức cán bộ, Sở Y tế tỉnh Thừa Thiên Huế', 'division', 'HUE-SYT'),
	(4, 'HUE-SYT-BVSTBPN', 'Ban vì sự tiến bộ của phụ nữ Sở Y tế tỉnh Thừa Thiên Huế', 'committee', 'HUE-SYT'),
	(5, 'HUE-SYT-CDC', 'Trung tâm Kiểm soát bệnh tật tỉnh Thừa Thiên Huế', 'public_service_unit', 'HUE-SYT'),
	(6, 'HUE-SYT-BVYHCT', 'Bệnh viện Y học cổ truyền tỉnh Thừa Thiên Huế', 'public_service_unit', 'HUE-SYT'),
	(7, 'HUE-SYT-TTYT-HT', 'Trung tâm Y tế thị xã Hương Trà', 'public_service_unit', 'HUE-SYT'),
	(8, 'HUE-SYT-TTYT-PL', 'Trung tâm Y tế huyện Phú Lộc', 'public_service_unit', 'HUE-SYT'),
	(9, 'HUE-LDTBXH', 'Sở Lao động - Thương binh và Xã hội tỉnh Thừa Thiên Huế', 'department', 'HUE'),
	(10, 'HUE-LDTBXH-BVCSTE', 'Phòng Bảo vệ, chăm sóc trẻ em và Bình đẳng giới, Sở Lao động - Thương binh và Xã hội', 'division', 'HUE-LDTBXH'),
	(11, 'HUE-HT', 'Ủy ban nhân dân thị xã Hương Trà', 'district', 'HUE'),
	(12, 'HUE-HT-VP', 'Văn phòng Hội đồng nhân dân và Ủy ban nhân dân thị xã Hương Trà', 'division', 'HUE-HT'),
	(13, 'HUE-HT-LDTBXH', 'Phòng Lao động - Thương binh và Xã hội thị xã Hương Trà', 'division', 'HUE-HT'),
	(14, 'HUE-HT-NV', 'Phòng Nội vụ thị xã Hương Trà', 'division', 'HUE-HT'),
	(15, 'HUE-HT-TCKH', 'Phòng Tài chính - Kế hoạch thị xã Hương Trà', 'division', 'HUE-HT'),
	(16, 'HUE-HT-TP', 'Phòng Tư pháp thị xã Hương Trà', 'division', 'HUE-HT'),
	(17, 'HUE-HT-VHTT', 'Phòng Văn hóa và Thông tin thị xã Hương Trà', 'division', 'HUE-HT'),
	(18, 'HUE-HT-GDDT', 'Phòng Giáo dục và Đào tạo thị xã Hương Trà', 'division', 'HUE-HT'),
	(19, 'HUE-HT-TTVH', 'Trung tâm Văn hóa Thông tin và Thể thao thị xã Hương Trà', 'public_service_unit', 'HUE-HT'),
	(20, 'HUE-HT-CA', 'Công an thị xã Hương Trà', 'other', 'HUE-HT'),
	(21, 'HUE-HT-MTTQ', 'Ủy ban Mặt trận Tổ quốc Việt Nam thị xã Hương Trà', 'other', 'HUE-HT'),
	(22, 'HUE-HT-BVSTBPN', 'Ban vì sự tiến bộ của phụ nữ thị xã Hương Trà', 'committee', 'HUE-HT'),
	(23, 'HUE-HT-TUHA', 'Ủy ban nhân dân phường Tứ Hạ', 'commune', 'HUE-HT'),
	(24, 'HUE-HT-HUONGVAN', 'Ủy ban nhân dân phường Hương Văn', 'commune', 'HUE-HT'),
	(25, 'HUE-HT-HUONGXUAN', 'Ủy ban nhân dân phường Hương Xuân', 'commune', 'HUE-HT'),
	(26, 'HUE-HT-HUONGCHU', 'Ủy ban nhân dân phường Hương Chữ', 'commune', 'HUE-HT'),
	(27, 'HUE-HT-BINHTIEN', 'Ủy ban nhân dân xã Bình Tiến', 'commune', 'HUE-HT'),
	(28, 'HUE-HT-BINHTHANH', 'Ủy ban nhân dân xã Bình Thành', 'commune', 'HUE-HT'),
	(29, 'HUE-PL', 'Ủy ban nhân dân huyện Phú Lộc', 'district', 'HUE'),
	(30, 'HUE-PL-LDTBXH', 'Phòng Lao động - Thương binh và Xã hội huyện Phú Lộc', 'division', 'HUE-PL'),
	(31, 'HUE-PL-LOCDIEN', 'Ủy ban nhân dân xã Lộc Điền', 'commune', 'HUE-PL'),
	(32, 'BDI', 'Ủy ban nhân dân tỉnh Bình Định', 'province', NULL),
	(33, 'BDI-SYT', 'Sở Y tế tỉnh Bình Định', 'department', 'BDI'),
	(34, 'BDI-SYT-BVDK', 'Bệnh viện Đa khoa tỉnh Bình Định', 'public_service_unit', 'BDI-SYT'),
	(35, 'BDI-SYT-TTYT-VC', 'Trung tâm Y tế huyện Vân Canh', 'public_service_unit', 'BDI-SYT'),
	(36, 'BDI-SYT-TTYT-VC-TCHC', 'Phòng Tổ chức - Hành chính, Trung tâm Y tế huyện Vân Canh', 'division', 'BDI-SYT-TTYT-VC'),
	(37, 'BDI-SYT-TTYT-VC-KHNV', 'Phòng Kế hoạch - Nghiệp vụ, Trung tâm Y tế huyện Vân Canh', 'division', 'BDI-SYT-TTYT-VC'),
	(38, 'BDI-SYT-TTYT-VC-KKB', 'Khoa Khám bệnh, Trung tâm Y tế huyện Vân Canh', 'division', 'BDI-SYT-TTYT-VC'),
	(39, 'BDI-SYT-TTYT-VC-KCSSKSS', 'Khoa Chăm sóc sức khỏe sinh sản, Trung tâm Y tế huyện Vân Canh', 'division', 'BDI-SYT-TTYT-VC'),
	(40, 'BDI-SYT-TTYT-VC-KKSBT', 'Khoa Kiểm soát bệnh tật và HIV/AIDS, Trung tâm Y tế huyện Vân Canh', 'division', 'BDI-SYT-TTYT-VC'),
	(41, 'BDI-SYT-TTYT-VC-TYT-VC', 'Trạm Y tế thị trấn Vân Canh', 'public_service_unit', 'BDI-SYT-TTYT-VC'),
	(42, 'BDI-SYT-TTYT-VC-TYT-CTHUAN', 'Trạm Y tế xã Canh Thuận', 'public_service_unit', 'BDI-SYT-TTYT-VC'),
	(43, 'BDI-SYT-TTYT-VC-TYT-CVINH', 'Trạm Y tế xã Canh Vinh', 'public_service_unit', 'BDI-SYT-TTYT-VC'),
	(44, 'BDI-SYT-TTYT-VC-TYT-CHIEN', 'Trạm Y tế xã Canh Hiển', 'public_service_unit', 'BDI-SYT-TTYT-VC'),
	(45, 'BDI-SYT-TTYT-VC-BVSTBPN', 'Ban vì sự tiến bộ của phụ nữ Trung tâm Y tế huyện Vân Canh', 'committee', 'BDI-SYT-TTYT-VC'),
	(46, 'DNO', 'Ủy ban nhân dân tỉnh Đắk Nông', 'province', NULL),
	(47, 'DNO-SYT', 'Sở Y tế tỉnh Đắk Nông', 'department', 'DNO'),
	(48, 'DNO-SYT-BVDK', 'Bệnh viện Đa khoa tỉnh Đắk Nông', 'public_service_unit', 'DNO-SYT'),
	(49, 'DNO-SYT-CDC', 'Trung tâm Kiểm soát bệnh tật tỉnh Đắk Nông', 'public_service_unit', 'DNO-SYT')
) AS v (n, c, nm, k, parent_code)
ORDER BY n;

-- Plans -----------------------------------------------------------------------

DO $demo$
DECLARE
	p53 bigint; p595 bigint; p25_2020 bigint; p908 bigint;
	p25_2023 bigint; pht bigint; p60 bigint; pvc bigint; pdno bigint;
	hue_districts CONSTANT text[] := '{HUE-SYT,HUE-LDTBXH,HUE-HT,HUE-PL}';
BEGIN

-- Thừa Thiên Huế 2019: the province plan and the Department of Health's ---------

p53 := pg_temp.demo_plan('HUE', '53/KH-UBND', 2019,
	'Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ tỉnh Thừa Thiên Huế năm 2019',
	issued => '2019-03-12', at_place => 'Thừa Thiên Huế');
PERFORM pg_temp.demo_recipients(p53, hue_districts);
-- 595/KH-SYT V.2: the department reports its results upward before 05/12/2019.
PERFORM pg_temp.demo_reporting(p53, '2019', '2019-12-05');
PERFORM pg_temp.demo_issue(p53);

p595 := pg_temp.demo_plan('HUE-SYT', '595/KH-SYT', 2019,
	'Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ Sở Y tế tỉnh Thừa Thiên Huế năm 2019',
	issued => '2019-03-28', at_place => 'Thừa Thiên Huế', parent => p53,
	bases => ARRAY[
		'Quyết định số 1696/QĐ-TTg ngày 02/10/2015 của Thủ tướng Chính phủ phê duyệt Chương trình hành động quốc gia về bình đẳng giới giai đoạn 2016-2020',
		'Quyết định số 565/QĐ-TTg ngày 25/4/2017 của Thủ tướng Chính phủ phê duyệt Chương trình mục tiêu phát triển hệ thống trợ giúp xã hội giai đoạn 2016-2020',
		'Kế hoạch số 53/KH-UBND ngày 12/3/2019 của UBND tỉnh về việc thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ tỉnh Thừa Thiên Huế năm 2019'],
	aims => ARRAY[
		'Nâng cao nhận thức của chính bản thân người phụ nữ và của mọi tầng lớp nhân dân về bình đẳng giới và vì sự tiến bộ của phụ nữ; tiến đến thúc đẩy toàn xã hội thay đổi hành vi thực hiện bình đẳng giới, giảm khoảng cách giới và nâng cao vai trò, vị thế của phụ nữ trong một số lĩnh vực, ngành, địa phương.',
		'Tăng cường công tác phối hợp liên ngành thực hiện các chính sách, chương trình, đề án, kế hoạch về bình đẳng giới nhằm góp phần thực hiện thành công chương trình hành động Quốc gia về bình đẳng giới giai đoạn 2011-2020.'],
	funds => 'Các đơn vị căn cứ theo chức năng, nhiệm vụ được giao, chủ động xây dựng kế hoạch, bố trí kinh phí phù hợp để thực hiện nhiệm vụ bình đẳng giới và vì sự tiến bộ của phụ nữ.',
	plans_by => '2019-04-05',
	signed_by => 'Lê Viết Bắc', signed_as => 'KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC');
PERFORM pg_temp.demo_recipients(p595, '{HUE-SYT-CDC,HUE-SYT-BVYHCT,HUE-SYT-TTYT-HT,HUE-SYT-TTYT-PL}');
PERFORM pg_temp.demo_reporting(p595, '2019', '2019-12-01');
PERFORM pg_temp.demo_activity(p595, 'II.1', 'communication',
	'Truyền thông nâng cao nhận thức, thay đổi hành vi về bình đẳng giới',
	'Tiếp tục đẩy mạnh tuyên truyền Luật Bình đẳng giới, các chủ trương của Đảng, chính sách, pháp luật của Nhà nước nhằm nâng cao nhận thức, trách nhiệm, sự đồng thuận của cả hệ thống chính trị và người dân về bình đẳng giới. '
	'Phổ biến thông tin về chính sách, pháp luật bình đẳng giới trên các trang thông tin điện tử của các đơn vị. '
	'Tổ chức truyền thông cho công chức, viên chức, người lao động và nhân dân tại cộng đồng các chính sách, pháp luật về bình đẳng giới; phòng ngừa và ứng phó với bạo lực đối với phụ nữ và trẻ em gái, đặc biệt là bạo lực và xâm hại tình dục.',
	'HUE-SYT');
PERFORM pg_temp.demo_activity(p595, 'II.2', 'capacity_building',
	'Nâng cao năng lực và hiệu quả quản lý nhà nước về bình đẳng giới',
	'Tiếp tục triển khai nghiêm túc các nội dung chỉ đạo của UBND tỉnh tại Công văn số 9537/UBND-NV ngày 27/12/2017 về việc tăng cường công tác cán bộ nữ; triển khai Kế hoạch số 192/KH-UBND ngày 20/11/2018 và Kế hoạch số 224/KH-SYT ngày 01/02/2019 của Sở Y tế về tiếp tục đẩy mạnh công tác phụ nữ trong tình hình mới (Chỉ thị số 21-CT/TW). '
	'Thực hiện lồng ghép vấn đề bình đẳng giới trong các chương trình, đề án, kế hoạch hoạt động của cơ quan, đơn vị. '
	'Tổ chức học tập, trao đổi kinh nghiệm các hoạt động về bình đẳng giới và vì sự tiến bộ phụ nữ cho công chức, viên chức làm công tác bình đẳng giới và vì sự tiến bộ phụ nữ.',
	'HUE-SYT');
PERFORM pg_temp.demo_activity(p595, 'II.2', 'capacity_building',
	'Tập huấn bồi dưỡng kỹ năng cho nữ cán bộ quản lý hoặc trong diện quy hoạch các chức danh lãnh đạo, quản lý giai đoạn 2019-2020, 2020-2025',
	NULL, 'HUE-SYT-TCCB');
PERFORM pg_temp.demo_activity(p595, 'II.2', 'committee',
	'Củng cố, kiện toàn và nâng cao năng lực hoạt động của Ban vì sự tiến bộ của phụ nữ của cơ quan, đơn vị',
	NULL, 'HUE-SYT-BVSTBPN');
PERFORM pg_temp.demo_activity(p595, 'II.3', 'targeted_direction',
	'Chỉ đạo thúc đẩy bình đẳng giới ở những đơn vị có bất bình đẳng giới hoặc có nguy cơ cao bất bình đẳng giới',
	'Thực hiện công tác quy hoạch dài hạn cán bộ quản lý, lãnh đạo nữ với các chỉ tiêu và giải pháp thực hiện cụ thể; bố trí, sắp xếp, đề bạt và bổ nhiệm cán bộ nữ sau đào tạo. '
	'Tăng cường công tác thanh tra, kiểm tra tình hình thực hiện các quy định của pháp luật về bình đẳng giới, chú trọng việc quy hoạch, sắp xếp, bổ nhiệm cán bộ quản lý, lãnh đạo là nữ.',
	'HUE-SYT-TCCB');
PERFORM pg_temp.demo_activity(p595, 'II.4', 'victim_support',
	'Cung cấp dịch vụ trợ giúp nạn nhân bạo lực gia đình',
	'Các đơn vị có trách nhiệm cung cấp dịch vụ bảo vệ khẩn cấp các đối tượng trẻ em bị bỏ rơi, nạn nhân của bạo lực gia đình, nạn nhân bị xâm hại tình dục, nạn nhân bị buôn bán, nạn nhân bị cưỡng bức lao động liên quan đến vấn đề giới. '
	'Bảo đảm sự an toàn và đáp ứng các nhu cầu khẩn cấp của nạn nhân bạo lực gia đình; tham vấn, tư vấn và trợ giúp đối tượng thụ hưởng các chính sách trợ giúp xã hội; phối hợp với các cơ quan, tổ chức phù hợp khác để bảo vệ, trợ giúp đối tượng.',
	'HUE-SYT');
PERFORM pg_temp.demo_activity(p595, 'II.5', 'action_month',
	'Tổ chức Tháng hành động về bình đẳng giới và phòng chống bạo lực trên cơ sở giới từ 15/11 đến 15/12',
	'Xây dựng nội dung, thông điệp, chủ đề cho Tháng hành động theo hướng dẫn của Bộ Lao động - Thương binh và Xã hội. '
	'Tổ chức tuyên truyền có trọng tâm, trọng điểm, phù hợp với văn hóa và nhóm đối tượng nhằm đạt hiệu quả cao. '
	'Huy động sự tham gia của các cơ quan, đơn vị có liên quan và các tầng lớp nhân dân trong tỉnh để tạo hiệu ứng lan tỏa trong tuyên truyền.',
	'HUE-SYT', '{HUE-LDTBXH}', '2019-11-15', '2019-12-15');
PERFORM pg_temp.demo_activity(p595, 'II.6', 'committee',
	'Tăng cường hoạt động của Ban vì sự tiến bộ của phụ nữ',
	'Phối hợp với các sở, ban, ngành chủ trì thực hiện các mô hình ngăn ngừa, giảm thiểu tác hại của bạo lực giới và hỗ trợ bình đẳng giới; xây dựng kế hoạch kiểm tra, giám sát, có kế hoạch nhân rộng nếu hoạt động có hiệu quả. '
	'Duy trì hoạt động Ban vì sự tiến bộ của phụ nữ theo quy định; Ban vì sự tiến bộ của phụ nữ các cơ quan, đơn vị bổ sung quy chế hoạt động phù hợp tình hình thực tế.',
	'HUE-SYT-BVSTBPN');
PERFORM pg_temp.demo_activity(p595, 'II.7', 'inspection',
	'Hoạt động kiểm tra, đánh giá',
	'Tổ chức kiểm tra tình hình thực hiện pháp luật, kịp thời phát hiện, xử lý vi phạm pháp luật, giải quyết khiếu nại, tố cáo liên quan đến bình đẳng giới ở cơ quan. '
	'Đẩy mạnh triển khai thực hiện các Nghị định hướng dẫn thi hành Luật Bình đẳng giới, trong đó có Nghị định 55/2009/NĐ-CP ngày 10/6/2009 của Chính phủ quy định xử phạt vi phạm hành chính về bình đẳng giới.',
	'HUE-SYT');
PERFORM pg_temp.demo_activity(p595, 'IV', 'other',
	'Các đơn vị xây dựng kế hoạch triển khai thực hiện tại đơn vị',
	'Các đơn vị chủ động xây dựng Kế hoạch triển khai thực hiện hoạt động bình đẳng giới và vì sự tiến bộ phụ nữ năm 2019 tại đơn vị và gửi Kế hoạch về Sở Y tế (qua phòng Tổ chức cán bộ) trước ngày 05/4/2019.',
	'HUE-SYT-TCCB', '{}', '2019-03-28', '2019-04-05');
PERFORM pg_temp.demo_activity(p595, 'V.2', 'statistics',
	'Đôn đốc, theo dõi, tổng hợp tình hình thực hiện Kế hoạch; báo cáo Sở Lao động - Thương binh và Xã hội',
	'Phòng Tổ chức cán bộ chịu trách nhiệm đôn đốc, theo dõi, tổng hợp tình hình thực hiện của các đơn vị về các nội dung của Kế hoạch; báo cáo Sở Lao động - Thương binh và Xã hội kết quả thực hiện Kế hoạch trước ngày 05/12/2019.',
	'HUE-SYT-TCCB', '{}', NULL, '2019-12-05');
PERFORM pg_temp.demo_issue(p595);

-- Thừa Thiên Huế 2020: the province plan and the labour department's guidance --

p25_2020 := pg_temp.demo_plan('HUE', '25/KH-UBND', 2020,
	'Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ tỉnh Thừa Thiên Huế năm 2020',
	issued => '2020-02-12', at_place => 'Thừa Thiên Huế');
PERFORM pg_temp.demo_recipients(p25_2020, hue_districts);
PERFORM pg_temp.demo_issue(p25_2020);

p908 := pg_temp.demo_plan('HUE-LDTBXH', '908/SLĐTBXH-BĐG', 2020,
	'Hướng dẫn hoạt động bình đẳng giới năm 2020',
	kind => 'guidance', issued => '2020-04-14', at_place => 'Thừa Thiên Huế', parent => p25_2020,
	bases => ARRAY[
		'Kế hoạch số 25/KH-UBND ngày 12/02/2020 của Ủy ban nhân dân tỉnh về việc thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ tỉnh Thừa Thiên Huế năm 2020',
		'Công văn số 458/LĐTBXH-BĐG ngày 12/02/2020 của Bộ Lao động - Thương binh và Xã hội về việc hướng dẫn triển khai công tác bình đẳng giới năm 2020'],
	signed_by => 'Phan Minh Nguyệt', signed_as => 'KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC');
PERFORM pg_temp.demo_recipients(p908, '{HUE-HT-LDTBXH,HUE-PL-LDTBXH}');
PERFORM pg_temp.demo_activity(p908, '1', 'other',
	'Tham mưu Ủy ban nhân dân cấp huyện ban hành các kế hoạch về bình đẳng giới năm 2020',
	'Căn cứ điều kiện thực tế của địa phương, tham mưu UBND cấp huyện ban hành: Kế hoạch thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ năm 2020 (nếu chưa ban hành); Kế hoạch truyền thông về bình đẳng giới trong lĩnh vực chính trị hướng tới Đại hội Đảng các cấp nhiệm kỳ 2020-2025, bầu cử đại biểu Quốc hội khóa XV và Hội đồng nhân dân các cấp nhiệm kỳ 2021-2026; Kế hoạch Tháng hành động vì bình đẳng giới và phòng chống bạo lực trên cơ sở giới năm 2020.',
	'HUE-LDTBXH-BVCSTE', '{HUE-HT-LDTBXH,HUE-PL-LDTBXH}');
PERFORM pg_temp.demo_activity(p908, '2', 'communication',
	'Truyền thông nâng cao nhận thức, tiến tới thay đổi hành vi về bình đẳng giới',
	'Đẩy mạnh tuyên truyền, phổ biến, giáo dục chính sách pháp luật về bình đẳng giới, đặc biệt là bình đẳng giới trong lĩnh vực chính trị hướng tới Đại hội Đảng các cấp nhiệm kỳ 2020-2025 và bầu cử nhiệm kỳ 2021-2026. '
	'Tuyên truyền và triển khai thực hiện những nội dung mới về bình đẳng giới trong Bộ luật Lao động năm 2019. '
	'Tuyên truyền rộng rãi các mô hình, dịch vụ hỗ trợ bình đẳng giới tại địa phương: mô hình Địa chỉ tin cậy - nhà tạm lánh cộng đồng (xã Lộc Điền - huyện Phú Lộc, phường Hương Văn - thị xã Hương Trà); mô hình Ngăn ngừa và giảm thiểu tác hại của bạo lực trên cơ sở giới (Lộc Điền, Hương Hồ, Thượng Long). '
	'Phối hợp đài truyền thanh cấp huyện tuyên truyền chính sách, pháp luật về bình đẳng giới, kỹ năng phòng chống bạo lực trên cơ sở giới.',
	'HUE-LDTBXH-BVCSTE', '{HUE-HT-LDTBXH,HUE-PL-LDTBXH}');
PERFORM pg_temp.demo_activity(p908, '2', 'action_month',
	'Tuyên truyền nhân Tháng hành động vì bình đẳng giới và phòng chống bạo lực trên cơ sở giới năm 2020',
	'Đẩy mạnh tuyên truyền nội dung, chủ đề và các thông điệp nhân Tháng hành động khi có hướng dẫn của tỉnh. Tổ chức Lễ phát động điểm hoặc lựa chọn hình thức thay thế phù hợp, hiệu quả tùy tình hình thực tế.',
	'HUE-LDTBXH-BVCSTE', '{HUE-HT-LDTBXH,HUE-PL-LDTBXH}', '2020-11-15', '2020-12-15');
PERFORM pg_temp.demo_activity(p908, '3', 'capacity_building',
	'Nâng cao năng lực, hiệu quả quản lý nhà nước về bình đẳng giới và vì sự tiến bộ của phụ nữ',
	'Chủ trì, phối hợp tổ chức hội nghị, hội thảo, tập huấn nâng cao kiến thức, kỹ năng về giới, bình đẳng giới, phòng chống bạo lực trên cơ sở giới (ưu tiên cán bộ làm công tác bình đẳng giới, thành viên Ban vì sự tiến bộ của phụ nữ các cấp, phóng viên, biên tập viên); tập huấn kiến thức, kỹ năng quản lý, lãnh đạo cho cán bộ nữ tiềm năng. '
	'Tổng kết Chiến lược quốc gia về bình đẳng giới giai đoạn 2011-2020, Chương trình hành động quốc gia về bình đẳng giới giai đoạn 2016-2020 và Đề án phòng ngừa và ứng phó với bạo lực trên cơ sở giới giai đoạn 2016-2020.',
	'HUE-LDTBXH-BVCSTE', '{HUE-HT-LDTBXH,HUE-PL-LDTBXH}');
PERFORM pg_temp.demo_activity(p908, '3', 'inspection',
	'Tham mưu Ủy ban nhân dân cấp huyện kiểm tra, xử lý vi phạm về bình đẳng giới',
	'Tham mưu UBND cấp huyện thường xuyên tổ chức kiểm tra, xử lý vi phạm về bình đẳng giới thuộc phạm vi, lĩnh vực quản lý, đồng thời chủ động đề xuất giải pháp thực hiện.',
	'HUE-LDTBXH-BVCSTE', '{HUE-HT-LDTBXH,HUE-PL-LDTBXH}');
PERFORM pg_temp.demo_activity(p908, '4', 'model',
	'Triển khai có hiệu quả các mô hình thúc đẩy bình đẳng giới',
	'Đối với các địa phương được hỗ trợ kinh phí triển khai mô hình Địa chỉ tin cậy - nhà tạm lánh và mô hình Ngăn ngừa và giảm thiểu tác hại của bạo lực trên cơ sở giới: tổ chức triển khai mới và duy trì các hoạt động của mô hình đúng yêu cầu, mục tiêu, tiến độ; chủ động tham mưu địa phương bố trí kinh phí để nhân rộng mô hình hiệu quả.',
	'HUE-LDTBXH-BVCSTE', '{HUE-HT-LDTBXH,HUE-PL-LDTBXH,HUE-HT-HUONGVAN,HUE-PL-LOCDIEN}');
PERFORM pg_temp.demo_issue(p908);

-- Thừa Thiên Huế 2023: the province plan and the town of Hương Trà's -----------

p25_2023 := pg_temp.demo_plan('HUE', '25/KH-UBND', 2023,
	'Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ tỉnh Thừa Thiên Huế năm 2023',
	issued => '2023-02-03', at_place => 'Thừa Thiên Huế');
PERFORM pg_temp.demo_recipients(p25_2023, hue_districts);
PERFORM pg_temp.demo_issue(p25_2023);

pht := pg_temp.demo_plan('HUE-HT', NULL, 2023,
	'Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ năm 2023',
	at_place => 'Hương Trà', parent => p25_2023,
	bases => ARRAY[
		'Kế hoạch số 25/KH-UBND ngày 03/02/2023 của Ủy ban nhân dân tỉnh về thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ tỉnh năm 2023 trên địa bàn tỉnh Thừa Thiên Huế'],
	aims => ARRAY[
		'Tiếp tục tăng cường sự lãnh đạo, chỉ đạo của các cấp ủy Đảng, chính quyền, các ngành, đoàn thể trong thực hiện công tác bình đẳng giới, vì sự tiến bộ của phụ nữ trên địa bàn; nâng cao hiệu quả quản lý Nhà nước đối với công tác bình đẳng giới và hoạt động vì sự tiến bộ của phụ nữ.',
		'Đẩy mạnh công tác tuyên truyền, phổ biến chủ trương, chính sách của Đảng, nâng cao hiệu quả quản lý Nhà nước, nhận thức của phụ nữ và mọi tầng lớp nhân dân về bình đẳng giới và vì sự tiến bộ của phụ nữ trên các lĩnh vực đời sống xã hội.',
		'Nâng cao trách nhiệm và tăng cường sự phối hợp của các cơ quan, ban, ngành, đoàn thể trong việc thực hiện công tác bình đẳng giới, vì sự tiến bộ của phụ nữ và lồng ghép giới trong kế hoạch công tác của đơn vị.'],
	funds => 'Từ nguồn ngân sách địa phương phân bổ trong dự toán năm 2023. Ngoài nguồn ngân sách Nhà nước, các cơ quan, đơn vị tham gia hoạt động bình đẳng giới và vì sự tiến bộ của phụ nữ tích cực vận động kinh phí hợp pháp từ các tổ chức, cá nhân trong và ngoài nước tài trợ cho công tác này.',
	plans_by => '2023-02-25',
	signed_by => 'Đỗ Ngọc An', signed_as => 'TM. ỦY BAN NHÂN DÂN – KT. CHỦ TỊCH – PHÓ CHỦ TỊCH');
PERFORM pg_temp.demo_recipients(pht, '{HUE-HT-LDTBXH,HUE-HT-NV,HUE-HT-TCKH,HUE-HT-TP,HUE-HT-VHTT,HUE-HT-TTVH,HUE-HT-GDDT,HUE-SYT-TTYT-HT,HUE-HT-CA,HUE-HT-MTTQ,HUE-HT-TUHA,HUE-HT-HUONGVAN,HUE-HT-HUONGXUAN,HUE-HT-HUONGCHU,HUE-HT-BINHTIEN,HUE-HT-BINHTHANH}');
PERFORM pg_temp.demo_reporting(pht, '2023', '2023-11-20');
PERFORM pg_temp.demo_activity(pht, 'II.1', 'communication',
	'Truyền thông nâng cao nhận thức, thay đổi hành vi về bình đẳng giới và vì sự tiến bộ của phụ nữ',
	'Tiếp tục đẩy mạnh tuyên truyền Luật Bình đẳng giới, các chủ trương của Đảng, chính sách, pháp luật của Nhà nước về bình đẳng giới. '
	'Tuyên truyền, nâng cao nhận thức, thay đổi định kiến, chăm lo đời sống vật chất tinh thần, bảo vệ, chăm sóc phụ nữ và trẻ em. '
	'Tăng cường tuyên truyền các mô hình tại cộng đồng như mô hình Địa chỉ tin cậy - nhà tạm lánh, mô hình Ngăn ngừa và giảm thiểu tác hại của bạo lực trên cơ sở giới để người dân biết, tham gia và sử dụng dịch vụ khi có nhu cầu.',
	'HUE-HT-LDTBXH', '{HUE-HT-VHTT,HUE-HT-TTVH}');
PERFORM pg_temp.demo_activity(pht, 'II.2', 'capacity_building',
	'Nâng cao năng lực và hiệu quả quản lý nhà nước về bình đẳng giới',
	'Tiếp tục đề cao vai trò, trách nhiệm của các cấp chính quyền, lãnh đạo các cơ quan, đơn vị, đoàn thể trong chỉ đạo và triển khai công tác bình đẳng giới. '
	'Tổ chức tập huấn kiến thức kỹ năng về giới và kỹ năng lồng ghép vấn đề bình đẳng giới trong hoạch định và thực thi chính sách cho đội ngũ làm công tác bình đẳng giới và vì sự tiến bộ của phụ nữ các cấp.',
	'HUE-HT-LDTBXH', '{HUE-HT-NV}');
PERFORM pg_temp.demo_activity(pht, 'II.3', 'targeted_direction',
	'Chỉ đạo thúc đẩy bình đẳng giới ở những địa phương có bất bình đẳng giới hoặc có nguy cơ cao bất bình đẳng giới',
	'Tiếp tục duy trì, mở rộng thực hiện mô hình "Địa chỉ tin cậy, nhà tạm lánh tại cộng đồng"; phối hợp với các cơ quan, đơn vị liên quan để bảo vệ, trợ giúp đối tượng khi xảy ra bạo lực. '
	'Giám sát, đánh giá nhằm khắc phục, thay đổi những hoạt động chưa hiệu quả và nhân rộng những mô hình tốt đã được triển khai.',
	'HUE-HT-LDTBXH', '{HUE-HT-CA,HUE-HT-HUONGVAN}');
PERFORM pg_temp.demo_activity(pht, 'II.4', 'action_month',
	'Tổ chức Tháng hành động vì bình đẳng giới và phòng chống bạo lực trên cơ sở giới năm 2023 từ 15/11 đến 15/12',
	'Xây dựng kế hoạch, nội dung, thông điệp, chủ đề cho Tháng hành động theo hướng dẫn của Bộ Lao động - Thương binh và Xã hội. '
	'Tổ chức tuyên truyền có trọng tâm, trọng điểm, phù hợp với văn hóa và nhóm đối tượng. '
	'Huy động sự tham gia trực tiếp của các ban, ngành, đoàn thể, địa phương và mọi tầng lớp nhân dân để tạo hiệu ứng lan tỏa trong tuyên truyền.',
	'HUE-HT-LDTBXH', '{HUE-HT-TTVH,HUE-HT-VHTT}', '2023-11-15', '2023-12-15');
PERFORM pg_temp.demo_activity(pht, 'II.5', 'committee',
	'Tăng cường hoạt động của Ban vì sự tiến bộ của phụ nữ',
	'Tham mưu các văn bản chỉ đạo, triển khai thực hiện; kiểm tra tình hình triển khai công tác bình đẳng giới, vì sự tiến bộ của phụ nữ tại địa phương. '
	'Kịp thời kiện toàn Ban vì sự tiến bộ của phụ nữ khi có sự thay đổi về nhân sự; họp định kỳ hoặc đột xuất khi cần ý kiến của tập thể.',
	'HUE-HT-BVSTBPN', '{HUE-HT-LDTBXH}');
PERFORM pg_temp.demo_activity(pht, 'II.6', 'other',
	'Tăng cường công tác phối hợp liên ngành',
	'Chú trọng công tác phối hợp liên ngành trong tham mưu các văn bản chỉ đạo, triển khai thực hiện; kiểm tra tình hình triển khai công tác bình đẳng giới, vì sự tiến bộ của phụ nữ; báo cáo định kỳ và đột xuất theo yêu cầu của kế hoạch.',
	'HUE-HT-LDTBXH', '{HUE-HT-VP}');
PERFORM pg_temp.demo_activity(pht, 'IV.1', 'other',
	'Chủ trì triển khai Kế hoạch; tham mưu kế hoạch thực hiện Tháng hành động năm 2023',
	'Chủ trì, phối hợp với các cơ quan, đơn vị tổ chức triển khai các nội dung của Kế hoạch. Tham mưu Ủy ban nhân dân thị xã ban hành kế hoạch thực hiện Tháng hành động vì bình đẳng giới và phòng chống bạo lực trên cơ sở giới năm 2023.',
	'HUE-HT-LDTBXH');
PERFORM pg_temp.demo_activity(pht, 'IV.1', 'capacity_building',
	'Tập huấn nâng cao năng lực đội ngũ cán bộ làm công tác bình đẳng giới và vì sự tiến bộ của phụ nữ các cấp',
	'Tổ chức các lớp tập huấn nâng cao năng lực đội ngũ cán bộ làm công tác bình đẳng giới và vì sự tiến bộ của phụ nữ các cấp; bồi dưỡng kiến thức về giới, bình đẳng giới, kỹ năng phòng chống bạo lực trên cơ sở giới cho cán bộ ở cơ sở và người dân.',
	'HUE-HT-LDTBXH');
PERFORM pg_temp.demo_activity(pht, 'IV.2', 'capacity_building',
	'Đào tạo nguồn cán bộ nữ; tập huấn kỹ năng cho nữ cán bộ quản lý, trong diện quy hoạch và nữ đại biểu HĐND cấp xã',
	'Tham mưu Ủy ban nhân dân thị xã ban hành hướng dẫn và tổ chức thực hiện các quy định về đào tạo nguồn cán bộ nữ, tỷ lệ nữ được bổ nhiệm trong các cơ quan nhà nước; nhiệm vụ, giải pháp nhằm tăng cường tỷ lệ nữ tham gia vào các vị trí lãnh đạo, quản lý và cơ quan dân cử. '
	'Tập huấn bồi dưỡng kỹ năng cho nữ cán bộ quản lý hoặc trong diện quy hoạch các chức danh lãnh đạo, quản lý và nữ đại biểu HĐND cấp xã trên địa bàn thị xã giai đoạn 2021-2026.',
	'HUE-HT-NV');
PERFORM pg_temp.demo_activity(pht, 'IV.2', 'statistics',
	'Theo dõi, cập nhật và cung cấp số liệu nữ lãnh đạo chủ chốt các cấp',
	'Thường xuyên theo dõi, cập nhật và phối hợp cung cấp số liệu nữ lãnh đạo chủ chốt các cấp về Phòng Lao động - Thương binh và Xã hội (cơ quan thường trực Ban Vì sự tiến bộ của phụ nữ) để kịp thời báo cáo Ủy ban nhân dân thị xã; góp phần đạt chỉ tiêu trong lĩnh vực chính trị của Chiến lược quốc gia về bình đẳng giới giai đoạn 2021-2030.',
	'HUE-HT-NV', '{HUE-HT-LDTBXH}');
PERFORM pg_temp.demo_activity(pht, 'IV.3', 'other',
	'Lồng ghép mục tiêu, chỉ tiêu bình đẳng giới vào kế hoạch phát triển kinh tế - xã hội; bố trí kinh phí',
	'Chủ trì, phối hợp các cơ quan liên quan lồng ghép các mục tiêu, chỉ tiêu về bình đẳng giới và kế hoạch phát triển kinh tế - xã hội hằng năm của địa phương. Tham mưu Ủy ban nhân dân thị xã bố trí ngân sách đảm bảo kinh phí thực hiện hoạt động bình đẳng giới và vì sự tiến bộ của phụ nữ; hướng dẫn quản lý và sử dụng kinh phí có hiệu quả.',
	'HUE-HT-TCKH');
PERFORM pg_temp.demo_activity(pht, 'IV.4', 'communication',
	'Tuyên truyền, phổ biến pháp luật về bình đẳng giới; trợ giúp pháp lý',
	'Tổ chức tuyên truyền, phổ biến chính sách pháp luật về bình đẳng giới và vì sự tiến bộ của phụ nữ; hướng dẫn các cơ quan, đơn vị lồng ghép vấn đề bình đẳng giới trong xây dựng các văn bản quy phạm pháp luật. Tăng cường công tác trợ giúp pháp lý, phổ biến, giáo dục pháp luật về bình đẳng giới phù hợp với từng địa phương và đối tượng.',
	'HUE-HT-TP');
PERFORM pg_temp.demo_activity(pht, 'IV.5', 'communication',
	'Tuyên truyền giáo dục pháp luật về phòng, chống bạo lực gia đình và bình đẳng giới trong gia đình',
	'Thực hiện hiệu quả công tác tuyên truyền giáo dục pháp luật về Luật Phòng, chống bạo lực gia đình, vấn đề bình đẳng giới trong gia đình; lồng ghép tuyên truyền Luật Bình đẳng giới, phòng chống bạo lực trên cơ sở giới vào nội dung xây dựng gia đình văn hóa.',
	'HUE-HT-VHTT');
PERFORM pg_temp.demo_activity(pht, 'IV.5', 'inspection',
	'Thanh tra, kiểm tra và xử lý vi phạm Luật Phòng, chống bạo lực gia đình',
	'Chủ trì phối hợp với các ngành liên quan tăng cường công tác thanh tra, kiểm tra và xử lý nghiêm đối với các hành vi vi phạm Luật Phòng, chống bạo lực gia đình.',
	'HUE-HT-VHTT', '{HUE-HT-CA}');
PERFORM pg_temp.demo_activity(pht, 'IV.6', 'communication',
	'Tuyên truyền về giới, bình đẳng giới trong lĩnh vực chính trị; tuyên truyền Tháng hành động',
	'Tiếp tục đẩy mạnh các hoạt động tuyên truyền về giới, bình đẳng giới trong lĩnh vực chính trị trên các phương tiện thông tin đại chúng, đài phát thanh. Phối hợp triển khai các hoạt động tuyên truyền Tháng hành động về bình đẳng giới và phòng chống bạo lực trên cơ sở giới.',
	'HUE-HT-TTVH');
PERFORM pg_temp.demo_activity(pht, 'IV.7', 'communication',
	'Lồng ghép tuyên truyền phòng ngừa, ứng phó với bạo lực trên cơ sở giới trong trường học',
	'Thực hiện lồng ghép các hoạt động tuyên truyền về phòng ngừa và ứng phó với bạo lực trên cơ sở giới trong phong trào thi đua "Xây dựng trường học thân thiện, học sinh tích cực"; góp phần đạt các chỉ tiêu về giáo dục, đào tạo của Chiến lược quốc gia về bình đẳng giới giai đoạn 2021-2030.',
	'HUE-HT-GDDT');
PERFORM pg_temp.demo_activity(pht, 'IV.8', 'victim_support',
	'Tư vấn bình đẳng giới trong chăm sóc SKSS/KHHGĐ; tiếp nhận, chăm sóc y tế nạn nhân bạo lực gia đình, bạo lực trên cơ sở giới',
	'Tổ chức các hoạt động truyền thông, tư vấn về bình đẳng giới trong chăm sóc SKSS/KHHGĐ, mất cân bằng giới tính khi sinh. Hướng dẫn và tăng cường kiểm tra các cơ sở khám chữa bệnh về việc tiếp nhận, chăm sóc y tế đối với người bệnh là nạn nhân bạo lực gia đình, bạo lực trên cơ sở giới.',
	'HUE-SYT-TTYT-HT');
PERFORM pg_temp.demo_activity(pht, 'IV.9', 'victim_support',
	'Phát hiện sớm, can thiệp, xử lý kịp thời các vụ bạo lực trên cơ sở giới và bảo vệ nạn nhân',
	'Phối hợp với các cơ quan, đơn vị, tổ chức có liên quan phát hiện sớm, can thiệp và xử lý kịp thời các vụ bạo lực trên cơ sở giới, môi giới hôn nhân bất hợp pháp và bảo vệ nạn nhân. Thực hiện tốt công tác tuyên truyền, phòng chống tội phạm xâm hại phụ nữ và trẻ em, tội phạm mua bán người.',
	'HUE-HT-CA');
PERFORM pg_temp.demo_activity(pht, 'IV.10', 'communication',
	'Tuyên truyền, vận động thực hiện các mục tiêu bình đẳng giới; triển khai Kế hoạch đến các cấp Hội',
	'Tăng cường công tác tuyên truyền, vận động cán bộ, công chức, viên chức, đoàn viên, hội viên và nhân dân thực hiện tốt chính sách của Đảng, pháp luật của Nhà nước về các mục tiêu bình đẳng giới. Triển khai kế hoạch thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ năm 2023 đến các cấp Hội địa phương.',
	'HUE-HT-MTTQ');
PERFORM pg_temp.demo_activity(pht, 'IV.11', 'other',
	'Ủy ban nhân dân các xã, phường xây dựng kế hoạch năm 2023 và kiểm tra, giám sát tại cơ sở',
	'Căn cứ vào tình hình thực tế, xây dựng kế hoạch hoạt động bình đẳng giới, vì sự tiến bộ của phụ nữ năm 2023, bố trí kinh phí và lồng ghép thực hiện Kế hoạch này với Kế hoạch phát triển kinh tế - xã hội của địa phương. Thường xuyên kiểm tra, giám sát tình hình thực hiện pháp luật về bình đẳng giới tại cơ sở, giải quyết khiếu nại, tố cáo và kịp thời xử lý các vi phạm theo thẩm quyền.',
	'HUE-HT', '{HUE-HT-TUHA,HUE-HT-HUONGVAN,HUE-HT-HUONGXUAN,HUE-HT-HUONGCHU,HUE-HT-BINHTIEN,HUE-HT-BINHTHANH}');
PERFORM pg_temp.demo_activity(pht, 'V', 'statistics',
	'Đôn đốc, tổng hợp và báo cáo tình hình triển khai Kế hoạch',
	'Các xã, phường, cơ quan, đơn vị báo cáo Ủy ban nhân dân thị xã kết quả thực hiện trước ngày 20/11/2023 (qua Phòng Lao động - Thương binh và Xã hội) để tổng hợp. Phòng Lao động - Thương binh và Xã hội chủ trì phối hợp Văn phòng HĐND và UBND thị xã đôn đốc, báo cáo thường xuyên với Chủ tịch Ủy ban nhân dân thị xã về tình hình triển khai Kế hoạch.',
	'HUE-HT-LDTBXH', '{HUE-HT-VP}');
PERFORM pg_temp.demo_issue(pht);

-- Bình Định 2024: the Department of Health's plan and Vân Canh's ----------------

p60 := pg_temp.demo_plan('BDI-SYT', '60/KH-SYT', 2024,
	'Triển khai thực hiện công tác vì sự tiến bộ của phụ nữ và bình đẳng giới trong ngành Y tế năm 2024',
	issued => '2024-05-04', at_place => 'Bình Định');
PERFORM pg_temp.demo_recipients(p60, '{BDI-SYT-TTYT-VC,BDI-SYT-BVDK}');
PERFORM pg_temp.demo_issue(p60);

pvc := pg_temp.demo_plan('BDI-SYT-TTYT-VC', NULL, 2024,
	'Triển khai thực hiện công tác vì sự tiến bộ của phụ nữ và bình đẳng giới tại Trung tâm Y tế huyện Vân Canh năm 2024',
	at_place => 'Vân Canh', parent => p60,
	bases => ARRAY[
		'Kế hoạch số 60/KH-SYT ngày 04/5/2024 của Sở Y tế Bình Định về việc triển khai thực hiện công tác vì sự tiến bộ của phụ nữ và bình đẳng giới trong ngành Y tế năm 2024'],
	aims => ARRAY[
		'Nhằm giảm khoảng cách giới và nâng cao vị thế của phụ nữ tại Trung tâm Y tế, góp phần thực hiện thành công Chiến lược quốc gia về bình đẳng giới giai đoạn 2021-2030 và các chương trình, kế hoạch, đề án liên quan vì sự tiến bộ của phụ nữ và bình đẳng giới; phòng ngừa, ứng phó với bạo lực trên cơ sở giới giai đoạn 2021-2030.',
		'Tăng cường năng lực hoạt động vì sự tiến bộ của phụ nữ. Tạo điều kiện, môi trường làm việc thuận lợi để nữ viên chức, người lao động của đơn vị phát huy năng lực, sở trường, nâng cao hiệu quả công tác.',
		'Tiếp tục thực thi có hiệu quả Luật Bình đẳng giới, Luật Phòng, chống bạo lực gia đình trong toàn thể viên chức và người lao động tại Trung tâm, hướng đến mục tiêu bình đẳng giới gắn với hạnh phúc gia đình.',
		'Các hoạt động triển khai phải thiết thực, hiệu quả, bám sát theo hướng dẫn, chỉ đạo của Bộ Y tế, UBND tỉnh, Sở Y tế, phù hợp với điều kiện của Trung tâm Y tế; tích cực phối hợp với các ngành, đoàn thể trong thực hiện các hoạt động vì sự tiến bộ của phụ nữ và bình đẳng giới; tăng cường công tác kiểm tra, đôn đốc việc triển khai thực hiện.'],
	signed_by => 'Lang Đình Bính', signed_as => 'GIÁM ĐỐC');
PERFORM pg_temp.demo_recipients(pvc, '{BDI-SYT-TTYT-VC-KHNV,BDI-SYT-TTYT-VC-KKB,BDI-SYT-TTYT-VC-KCSSKSS,BDI-SYT-TTYT-VC-KKSBT,BDI-SYT-TTYT-VC-TYT-VC,BDI-SYT-TTYT-VC-TYT-CTHUAN,BDI-SYT-TTYT-VC-TYT-CVINH,BDI-SYT-TTYT-VC-TYT-CHIEN}');
PERFORM pg_temp.demo_reporting(pvc, '2024-H1', '2024-05-25');
PERFORM pg_temp.demo_reporting(pvc, '2024', '2024-11-25');
PERFORM pg_temp.demo_activity(pvc, 'II.1', 'communication',
	'Tổ chức triển khai thi hành Luật Bình đẳng giới và các văn bản quy phạm pháp luật hướng dẫn thực hiện',
	'Tiếp tục tăng cường sự lãnh đạo, chỉ đạo của các cấp ủy Đảng và Lãnh đạo đơn vị về tuyên truyền thực hiện chính sách, pháp luật, chương trình về bình đẳng giới, vì sự tiến bộ của phụ nữ, như: Luật Bình đẳng giới; Nghị định số 70/2008/NĐ-CP ngày 04/6/2008 của Chính phủ quy định chi tiết thi hành một số điều của Luật Bình đẳng giới; Nghị định số 48/2009/NĐ-CP ngày 19/5/2009 của Chính phủ quy định về các biện pháp bảo đảm bình đẳng giới; Nghị định số 125/2021/NĐ-CP ngày 28/12/2021 của Chính phủ quy định về xử phạt vi phạm hành chính trong lĩnh vực bình đẳng giới. Tiếp tục triển khai thực hiện nghiêm các quy định trong quản lý nhà nước về bình đẳng giới.',
	'BDI-SYT-TTYT-VC');
PERFORM pg_temp.demo_activity(pvc, 'II.2', 'other',
	'Nghiên cứu hoàn thiện thể chế, hệ thống chính sách, pháp luật về bình đẳng giới',
	'Tiếp tục rà soát, đề xuất hoàn thiện hệ thống chính sách, pháp luật đảm bảo nguyên tắc bình đẳng giới trên các lĩnh vực của đời sống kinh tế - xã hội; chủ động lồng ghép vấn đề bình đẳng giới trong thực hiện các văn bản quy phạm pháp luật và xây dựng các mục tiêu, chỉ tiêu bình đẳng giới, phòng ngừa, ứng phó với bạo lực trên cơ sở giới vào các chương trình, kế hoạch công tác, đề án, dự án của Trung tâm.',
	'BDI-SYT-TTYT-VC');
PERFORM pg_temp.demo_activity(pvc, 'II.3.a', 'communication',
	'Chương trình Truyền thông về bình đẳng giới đến năm 2030',
	'Căn cứ Quyết định số 1048/QĐ-UBND ngày 30/3/2022 của UBND tỉnh ban hành Kế hoạch thực hiện Chương trình truyền thông về bình đẳng giới đến năm 2030 trên địa bàn tỉnh Bình Định, xây dựng kế hoạch thực hiện chương trình phù hợp điều kiện thực tiễn của Trung tâm; truyền thông các chủ trương, chính sách, pháp luật của Đảng và Nhà nước về bình đẳng giới, vì sự tiến bộ của phụ nữ và phòng ngừa, ứng phó với bạo lực trên cơ sở giới; đa dạng hóa các hình thức truyền thông: truyền thông trực tiếp, hệ thống thông tin của đơn vị, trang thông tin điện tử, mạng xã hội, pano, áp-phích.',
	'BDI-SYT-TTYT-VC');
PERFORM pg_temp.demo_activity(pvc, 'II.3.a', 'action_month',
	'Tháng hành động vì bình đẳng giới và phòng ngừa, ứng phó với bạo lực trên cơ sở giới năm 2024',
	'Xây dựng kế hoạch, tổ chức thực hiện "Tháng hành động vì bình đẳng giới và phòng ngừa, ứng phó với bạo lực trên cơ sở giới" (từ ngày 15/11 đến ngày 15/12/2024) thiết thực, hiệu quả, sáng tạo, phù hợp với điều kiện, tình hình cụ thể của Trung tâm.',
	'BDI-SYT-TTYT-VC', '{}', '2024-11-15', '2024-12-15');
PERFORM pg_temp.demo_activity(pvc, 'II.3.b', 'model',
	'Chương trình phòng ngừa, ứng phó với bạo lực trên cơ sở giới giai đoạn 2021-2025',
	'Căn cứ Kế hoạch số 41/KH-UBND ngày 28/3/2021 của UBND tỉnh: tiếp tục phối hợp xây dựng và nhân rộng các mô hình phòng ngừa và ứng phó với bạo lực trên cơ sở giới phù hợp với điều kiện của Trung tâm Y tế; rà soát các cơ sở trợ giúp xã hội, địa chỉ tin cậy để chủ động phối hợp cung cấp dịch vụ hỗ trợ người bị bạo lực trên cơ sở giới; xây dựng Quy chế phối hợp với các đơn vị, bộ phận có liên quan.',
	'BDI-SYT-TTYT-VC');
PERFORM pg_temp.demo_activity(pvc, 'II.3.c', 'other',
	'Phối hợp triển khai các nội dung bình đẳng giới trong các chiến lược, chương trình của huyện',
	'Chương trình Tăng cường sự tham gia bình đẳng của phụ nữ vào vị trí lãnh đạo và quản lý ở các cấp hoạch định chính sách giai đoạn 2021-2030 (Kế hoạch số 75/KH-UBND ngày 19/7/2021 của UBND tỉnh); các Chương trình mục tiêu quốc gia giảm nghèo bền vững, Nông thôn mới, Phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi giai đoạn 2021-2025; Chương trình hành động quốc gia về phụ nữ, hòa bình và an ninh giai đoạn 2024-2030; Chương trình về phòng, chống bạo lực gia đình trong tình hình mới đến năm 2025.',
	'BDI-SYT-TTYT-VC');
PERFORM pg_temp.demo_activity(pvc, 'II.4', 'capacity_building',
	'Tập huấn cho thành viên Ban và viên chức phụ trách công tác vì sự tiến bộ phụ nữ của Trung tâm',
	'Tổ chức tập huấn cho thành viên Ban và viên chức phụ trách công tác vì sự tiến bộ phụ nữ của Trung tâm; tham gia bồi dưỡng nghiệp vụ cho thành viên Ban vì sự tiến bộ của phụ nữ ngành; tổ chức hội thảo chuyên đề, tọa đàm; giao lưu, học hỏi kinh nghiệm với Ban vì sự tiến bộ của phụ nữ của huyện.',
	'BDI-SYT-TTYT-VC-BVSTBPN', '{BDI-SYT-TTYT-VC-TCHC}');
PERFORM pg_temp.demo_activity(pvc, 'II.4', 'inspection',
	'Kiểm tra hoạt động vì sự tiến bộ của phụ nữ ở các bộ phận thuộc Trung tâm',
	'Ưu tiên các bộ phận có nhiều vấn đề nổi cộm đối với phụ nữ và trẻ em gái, nơi có tỷ lệ nữ tham gia lãnh đạo, quản lý thấp; khuyến khích kiểm tra chéo giữa các bộ phận. Nội dung: triển khai chính sách, pháp luật về bình đẳng giới và phòng ngừa, ứng phó với bạo lực trên cơ sở giới; công tác viên chức nữ; tình trạng bạo lực, xâm hại phụ nữ và trẻ em gái; tổ chức và hoạt động của Ban vì sự tiến bộ của phụ nữ.',
	'BDI-SYT-TTYT-VC-BVSTBPN');
PERFORM pg_temp.demo_activity(pvc, 'II.4', 'statistics',
	'Thu thập chỉ tiêu thống kê, báo cáo theo Thông tư số 10/2019/TT-BKHĐT',
	'Tiếp tục triển khai thu thập chỉ tiêu thống kê, báo cáo theo Thông tư số 10/2019/TT-BKHĐT ngày 30/7/2019 của Bộ trưởng Bộ Kế hoạch và Đầu tư quy định Bộ chỉ tiêu thống kê phát triển giới của quốc gia; hướng dẫn thu thập số liệu, báo cáo kết quả thực hiện Chiến lược quốc gia về bình đẳng giới giai đoạn 2021-2030 theo Công văn số 2792/LĐTBXH-BĐG ngày 20/8/2021 của Bộ Lao động - Thương binh và Xã hội.',
	'BDI-SYT-TTYT-VC-TCHC');
PERFORM pg_temp.demo_activity(pvc, 'II.4', 'commendation',
	'Đề xuất khen thưởng, biểu dương các cá nhân, tập thể có thành tích xuất sắc',
	'Đề xuất khen thưởng, biểu dương kịp thời các cá nhân, tập thể có thành tích xuất sắc trong công tác bình đẳng giới và phòng ngừa, ứng phó với bạo lực trên cơ sở giới.',
	'BDI-SYT-TTYT-VC');
PERFORM pg_temp.demo_activity(pvc, 'II.5', 'statistics',
	'Chế độ thông tin, báo cáo',
	'Trưởng các bộ phận thực hiện chế độ báo cáo định kỳ về hoạt động vì sự tiến bộ của phụ nữ và bình đẳng giới theo đề cương, phụ lục đính kèm và gửi về Phòng Tổ chức - Hành chính trước ngày 25/5 (báo cáo sơ kết 6 tháng) và trước ngày 25/11 (báo cáo tổng kết năm).',
	'BDI-SYT-TTYT-VC-TCHC');
PERFORM pg_temp.demo_issue(pvc);

-- Đắk Nông 2024: the Department of Health's notice --------------------------------

pdno := pg_temp.demo_plan('DNO-SYT', NULL, 2024,
	'Triển khai một số nhiệm vụ trọng tâm về công tác bình đẳng giới năm 2024',
	kind => 'guidance', at_place => 'Đắk Nông',
	bases => ARRAY[
		'Nghị quyết số 01/NQ-CP ngày 05/01/2024 của Chính phủ về nhiệm vụ, giải pháp chủ yếu thực hiện Kế hoạch phát triển kinh tế - xã hội, dự toán ngân sách nhà nước năm 2024',
		'Kế hoạch số 560/KH-UBND ngày 16/8/2021 của UBND tỉnh triển khai thực hiện Chiến lược quốc gia về bình đẳng giới giai đoạn 2021-2025 trên địa bàn tỉnh Đắk Nông',
		'Kế hoạch số 520/KH-UBND ngày 08/9/2022 của UBND tỉnh về triển khai thực hiện chương trình "Tăng cường sự tham gia bình đẳng của phụ nữ trong các vị trí lãnh đạo và quản lý ở các cấp hoạch định chính sách giai đoạn 2021-2030" trên địa bàn tỉnh Đắk Nông',
		'Kế hoạch số 129/KH-UBND ngày 10/3/2022 của UBND tỉnh về triển khai Chương trình phòng, chống bạo lực gia đình trong tình hình mới đến năm 2025 trên địa bàn tỉnh Đắk Nông'],
	aims => ARRAY[
		'Thực hiện có hiệu quả các quy định pháp luật về bình đẳng giới, mục tiêu quốc gia về bình đẳng giới và các nhiệm vụ, giải pháp chủ yếu thực hiện công tác bình đẳng giới năm 2024.'],
	funds => 'Xây dựng kế hoạch, ưu tiên bố trí ngân sách để thực hiện các mục tiêu, hoạt động, nhiệm vụ về bình đẳng giới theo đúng quy định tại khoản 5 Điều 8 Luật Ngân sách Nhà nước năm 2015. Đẩy mạnh xã hội hóa, huy động nguồn lực từ các tổ chức, cá nhân trong thực hiện công tác bình đẳng giới.');
PERFORM pg_temp.demo_recipients(pdno, '{DNO-SYT-BVDK,DNO-SYT-CDC}');
PERFORM pg_temp.demo_activity(pdno, '1', 'other',
	'Tổ chức triển khai thi hành Luật Bình đẳng giới; rà soát các chỉ tiêu của Kế hoạch số 560/KH-UBND',
	'Tổ chức triển khai thi hành Luật Bình đẳng giới và các văn bản hướng dẫn; rà soát, kiến nghị những nội dung cần sửa đổi, bổ sung; lồng ghép vấn đề bình đẳng giới trong các chương trình, kế hoạch của cơ quan, đơn vị. Chủ động rà soát thống kê các chỉ tiêu, mục tiêu của Kế hoạch số 560/KH-UBND, tập trung giải pháp cho các chỉ tiêu còn khoảng cách lớn so với mục tiêu năm 2025.',
	'DNO-SYT');
PERFORM pg_temp.demo_activity(pdno, '2', 'communication',
	'Truyền thông về bình đẳng giới và phòng ngừa, ứng phó với bạo lực trên cơ sở giới',
	'Triển khai Chương trình truyền thông về bình đẳng giới đến năm 2030; đa dạng các loại hình truyền thông: trực tiếp, đài phát thanh, truyền hình, hệ thống thông tin cơ sở, trang thông tin điện tử, báo điện tử, mạng xã hội, panô, áp phích; thu hút sự tham gia của nam giới, trẻ em trai; tăng cường ứng dụng công nghệ thông tin và truyền thông trên nền tảng số.',
	'DNO-SYT');
PERFORM pg_temp.demo_activity(pdno, '2', 'action_month',
	'Tổ chức thực hiện Tháng hành động vì bình đẳng giới và phòng ngừa, ứng phó với bạo lực trên cơ sở giới năm 2024',
	'Bảo đảm thiết thực, hiệu quả, sáng tạo, phù hợp với điều kiện, tình hình cụ thể của từng cơ quan, đơn vị.',
	'DNO-SYT', '{}', '2024-11-15', '2024-12-15');
PERFORM pg_temp.demo_activity(pdno, '2', 'model',
	'Rà soát, đánh giá, nâng cao hiệu quả các mô hình thúc đẩy bình đẳng giới và phòng ngừa, ứng phó với bạo lực trên cơ sở giới',
	'Chương trình phòng ngừa, ứng phó với bạo lực trên cơ sở giới giai đoạn 2021-2025: chú trọng nhân rộng các mô hình ở những nơi xảy ra tình trạng bất bình đẳng giới và bạo lực trên cơ sở giới; tăng cường phối hợp liên ngành.',
	'DNO-SYT');
PERFORM pg_temp.demo_activity(pdno, '3', 'other',
	'Thực hiện các nhiệm vụ bình đẳng giới trong các chiến lược, chương trình, kế hoạch, đề án; bố trí kinh phí',
	'Triển khai các nội dung bình đẳng giới theo Kế hoạch số 520/KH-UBND ngày 08/9/2022, các Chương trình mục tiêu quốc gia giai đoạn 2021-2025 và Kế hoạch số 129/KH-UBND ngày 10/3/2022 của UBND tỉnh; bố trí kinh phí triển khai các hoạt động về bình đẳng giới.',
	'DNO-SYT');
PERFORM pg_temp.demo_activity(pdno, '4', 'capacity_building',
	'Tham gia các lớp tập huấn kỹ năng lồng ghép giới, kiến thức về giới, bình đẳng giới',
	'Tham gia các lớp tập huấn kỹ năng lồng ghép giới trong xây dựng văn bản quy phạm pháp luật, chiến lược, chương trình, dự án; tập huấn kiến thức về giới, bình đẳng giới khi cấp trên tổ chức.',
	'DNO-SYT');
PERFORM pg_temp.demo_activity(pdno, '4', 'inspection',
	'Kiểm tra, xử lý vi phạm về bình đẳng giới; xác minh, báo cáo các vụ việc',
	'Kiểm tra, xử lý vi phạm về bình đẳng giới; kịp thời xác minh, báo cáo những vấn đề, vụ việc liên quan đến công tác bình đẳng giới, bạo lực trên cơ sở giới cho các cơ quan có thẩm quyền phối hợp giải quyết.',
	'DNO-SYT');
PERFORM pg_temp.demo_issue(pdno);

-- Targets: the national 2025 targets of Nghị quyết 28/NQ-CP ---------------------

PERFORM pg_temp.demo_target(pht, 'GEN-0305', 'HUE-HT', 'total', 60);
PERFORM pg_temp.demo_target(pht, 'GEN-0504', 'HUE-HT', 'total', 80);
PERFORM pg_temp.demo_target(pvc, 'GEN-0504', 'BDI-SYT-TTYT-VC', 'total', 80);
PERFORM pg_temp.demo_target(pdno, 'GEN-0504', 'DNO-SYT', 'total', 80);

END $demo$;

DROP FUNCTION pg_temp.demo_target(bigint, text, text, text, numeric);
DROP FUNCTION pg_temp.demo_issue(bigint);
DROP FUNCTION pg_temp.demo_activity(bigint, text, text, text, text, text, text[], date, date);
DROP FUNCTION pg_temp.demo_reporting(bigint, text, date);
DROP FUNCTION pg_temp.demo_recipients(bigint, text[]);
DROP FUNCTION pg_temp.demo_plan(text, text, int, text, text, date, text, bigint, text[], text[], text, date, text, text);
DROP FUNCTION pg_temp.demo_unit(text, text, text, text);
DROP FUNCTION pg_temp.demo_unit_id(text);
