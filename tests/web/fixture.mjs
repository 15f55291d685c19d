// fixture.mjs: the browser test's own data, made through the API so that
// the test needs no demo data and never meets another test's: a province
// of its own (a fresh root unit code each run) with a Department of Health
// and three centres, the department's plan addressed to the centres with
// two tasks, targets and a yearly report due on 01/12; one centre has
// already sent its report.
//
// Environment: BDG_TEST_URL (the server), BDG_TEST_BDGD (the bdgd binary,
// to mint tokens) and BDG_JWT_SECRET (the server's secret).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

export const URL_ = (process.env.BDG_TEST_URL || '').replace(/\/$/, '');

/** A signed token from `bdgd token`. */
export function token(sub, unit, role) {
	const bin = process.env.BDG_TEST_BDGD;
	if (!bin) throw new Error('BDG_TEST_BDGD is not set (the bdgd binary that mints tokens)');
	return execFileSync(bin, ['token', '--sub', sub, '--unit', unit, '--role', role, '--ttl', '3600'], {
		env: { ...process.env },
		encoding: 'utf8',
	}).trim();
}

/** One API call; throws with the problem text unless 2xx. */
export async function call(tok, method, path, body, headers = {}) {
	const h = { Authorization: 'Bearer ' + tok, Accept: 'application/json', ...headers };
	if (body !== undefined) h['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
	if (method === 'POST') h['Idempotency-Key'] = randomUUID();
	const res = await fetch(URL_ + '/api/v1' + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await res.text();
	if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
	return { data: text ? JSON.parse(text) : null, etag: res.headers.get('ETag') };
}

/** Creates everything; returns the codes, ids and tokens the test uses. */
export async function makeFixture() {
	const year = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric' }).format(new Date()));
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
	const root = 'UIT' + Date.now().toString(36).toUpperCase() + Math.floor(Math.random() * 1296).toString(36).toUpperCase();
	const u = {
		root, dept: `${root}-SYT`, a: `${root}-SYT-TTYT-AL`, b: `${root}-SYT-TTYT-HA`, c: `${root}-SYT-CDC`,
	};
	const admin = token('ui-admin', root, 'admin');
	const units = [
		[root, 'Ủy ban nhân dân tỉnh Thử Nghiệm', 'province', null],
		[u.dept, 'Sở Y tế tỉnh Thử Nghiệm', 'department', root],
		[u.a, 'Trung tâm Y tế huyện An Lão', 'public_service_unit', u.dept],
		[u.b, 'Trung tâm Y tế huyện Hoài Ân', 'public_service_unit', u.dept],
		[u.c, 'Trung tâm Kiểm soát bệnh tật tỉnh Thử Nghiệm', 'public_service_unit', u.dept],
	];
	for (const [code, name, kind, parent] of units)
		await call(admin, 'POST', '/units', { code, name, kind, parent, valid_from: `${year - 1}-01-01` });

	const t = {
		admin,
		dept: token('truong.phong.tccb', u.dept, 'approver'),
		a: token('nguyen.thi.lan', u.a, 'approver'),
		aEditor: token('le.van.hung', u.a, 'editor'),
		aViewer: token('tran.thi.mai', u.a, 'viewer'),
		b: token('pham.van.binh', u.b, 'approver'),
	};
	const plan = (await call(t.dept, 'POST', '/plans', {
		unit: u.dept, number: `${(Date.now() % 900) + 100}/KH-SYT`, year, issued_on: today, place: 'Thử Nghiệm',
		title: `Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ ngành Y tế năm ${year}`,
		legal_bases: ['Luật Bình đẳng giới ngày 29/11/2006', 'Nghị quyết số 28/NQ-CP ngày 03/3/2021 của Chính phủ ban hành Chiến lược quốc gia về bình đẳng giới giai đoạn 2021-2030'],
		objectives: ['Nâng cao nhận thức về bình đẳng giới của viên chức, người lao động trong ngành.'],
		funding: 'Các đơn vị chủ động bố trí kinh phí từ nguồn chi thường xuyên.',
		signer: 'Nguyễn Văn An', signer_title: 'KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC',
		recipients: [u.a, u.b, u.c],
		reporting: [{ period: String(year), due_on: `${year}-12-01` }],
	})).data;
	const acts = [];
	for (const [section, category, title] of [
		['II.1', 'communication', 'Truyền thông nâng cao nhận thức, thay đổi hành vi về bình đẳng giới'],
		['II.2', 'capacity_building', 'Tập huấn kiến thức, kỹ năng về giới cho cán bộ làm công tác bình đẳng giới'],
		['II.3', 'action_month', 'Tổ chức Tháng hành động vì bình đẳng giới và phòng, chống bạo lực trên cơ sở giới từ 15/11 đến 15/12'],
	]) {
		acts.push((await call(t.dept, 'POST', `/plans/${plan.id}/activities`, { section, category, title, lead_unit: u.dept, budget_vnd: 15000000 })).data);
	}
	const tg = await call(t.dept, 'GET', `/plans/${plan.id}/targets`);
	const targets = [];
	for (const unit of [u.a, u.b, u.c]) {
		targets.push({ indicator: 'GEN-0402', unit, sex: 'female', year, target: 1000 });
		targets.push({ indicator: 'GEN-0401', unit, sex: 'total', year, target: 4 });
	}
	await call(t.dept, 'PUT', `/plans/${plan.id}/targets`, { targets }, { 'If-Match': tg.etag });
	const cur = await call(t.dept, 'GET', `/plans/${plan.id}`);
	await call(t.dept, 'POST', `/plans/${plan.id}/issue`, undefined, { 'If-Match': cur.etag });

	// Hoài Ân has already reported (on time).
	const rb = (await call(t.b, 'POST', '/reports', { plan: plan.id, unit: u.b, period: String(year) })).data;
	const rbCur = await call(t.b, 'PATCH', `/reports/${rb.id}`, {
		results: 'Đã tổ chức 3 buổi truyền thông tại các trạm y tế.',
		activity_results: [{ activity: acts[0].id, status: 'done', sessions: 3, participants_female: 150, participants_male: 90 }],
		values: [{ indicator: 'GEN-0402', sex: 'female', value: 150 }, { indicator: 'GEN-0402', sex: 'male', value: 90 }, { indicator: 'GEN-0401', sex: 'total', value: 3 }],
	}, { 'If-Match': (await call(t.b, 'GET', `/reports/${rb.id}`)).etag });
	await call(t.b, 'POST', `/reports/${rb.id}/submit`, undefined, { 'If-Match': rbCur.etag });
	await call(t.dept, 'POST', `/reports/${rb.id}/accept`);
	return { year, today, units: u, tokens: t, plan, acts, reportB: rb.id };
}
