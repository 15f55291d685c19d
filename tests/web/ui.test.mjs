// ui.test.mjs: the web UI in a real browser (Debian's Chromium, headless,
// driven by playwright-core) against a running bdgd that serves the built
// UI (BDG_WEB_ROOT=clients/web/dist). The data are made through the API by
// fixture.mjs (no demo data needed). The story, as staff would live it:
//   sign in (a bad token is refused, in Vietnamese) → the unit tree opens
//   level by level → a plan with its tasks, cascade and printable document
//   → a centre fills its yearly report (totals computed as you type, the
//   API's validation error beside the field) and submits it → the
//   department sees it counted on the completeness chart → returns it with
//   a reason → the chart changes → the centre corrects and resubmits → the
//   department accepts → the roll-up by sex adds it up; a viewer may not
//   edit. No request goes to any other host; no script error.
// Screenshots: tests/out/screens/*.png.
//
// Environment: BDG_TEST_URL, BDG_TEST_BDGD, BDG_JWT_SECRET (see
// fixture.mjs); BDG_CHROMIUM overrides the browser path.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { launch } from './browser.mjs';
import { makeFixture, URL_ } from './fixture.mjs';

const ROOT = process.env.BDG_TEST_ROOT || fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = join(ROOT, 'tests', 'out', 'screens');
const TIMEOUT = 30000;

let fx;
let browser;
const foreign = [];
const scriptErrors = [];
const pages = new Set();

function missingEnv() {
	return ['BDG_TEST_URL', 'BDG_TEST_BDGD', 'BDG_JWT_SECRET'].filter((k) => !process.env[k]);
}

before(async () => {
	const miss = missingEnv();
	if (miss.length) throw new Error(`set ${miss.join(', ')} (a running bdgd serving the built UI)`);
	mkdirSync(SHOTS, { recursive: true });
	const res = await fetch(URL_ + '/');
	const html = await res.text();
	if (!res.ok || !html.includes('<div id="app">'))
		throw new Error(`${URL_}/ does not serve the web UI (start bdgd with BDG_WEB_ROOT=clients/web/dist after npm run build)`);
	fx = await makeFixture();
	browser = await launch();
});

after(async () => {
	for (const p of pages) await p.close().catch(() => {});
	if (browser) await browser.close();
});

/** A test that, when it fails, keeps a screenshot of every open tab
 * (FAIL-<n>-<tab>.png) and the page's error box, to see what the user saw. */
let failures = 0;
function test(name, fn) {
	return nodeTest(name, async (t) => {
		try {
			await fn(t);
		} catch (e) {
			failures++;
			let i = 0;
			for (const p of pages) {
				i++;
				await p.screenshot({ path: join(SHOTS, `FAIL-${failures}-${i}.png`), fullPage: true }).catch(() => {});
				const box = await p.locator('.error-box').allInnerTexts().catch(() => []);
				if (box.length) e.message += `\n  tab ${i} (${p.url()}) shows: ${box.join(' | ')}`;
			}
			throw e;
		}
	});
}

async function shot(page, name) {
	// Charts draw once Chart.js has loaded (its own file).
	await page.waitForFunction(() => [...document.querySelectorAll('canvas')].every((c) => c.dataset.drawn === 'true'));
	await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
}

/** A new tab (its own sessionStorage) signed in with `tok`. */
async function signIn(tok, name) {
	const page = await browser.context.newPage();
	pages.add(page);
	page.setDefaultTimeout(TIMEOUT);
	page.on('request', (r) => {
		const u = r.url();
		if (!u.startsWith(URL_ + '/') && !/^(data|blob|about):/.test(u)) foreign.push(u);
	});
	page.on('pageerror', (e) => scriptErrors.push(`${name}: ${e.message}`));
	await page.goto(URL_ + '/');
	await page.fill('#token', tok);
	await page.click('form button[type=submit]');
	await page.waitForSelector('[data-testid=who]');
	return page;
}

async function goto(page, hash) {
	await page.evaluate((h) => { location.hash = h; }, hash);
}

async function chartValues(page) {
	const canvas = page.locator('[data-testid=completeness-chart]');
	await canvas.waitFor();
	return JSON.parse(await canvas.getAttribute('data-values'))['Số đơn vị'];
}

async function completeness(page) {
	await goto(page, `/tien-do?kh=${fx.plan.id}&ky=${fx.year}`);
	await page.locator('[data-testid=completeness]').waitFor();
	return chartValues(page);
}

let centre;     // Trung tâm Y tế huyện An Lão, approver
let dept;       // Sở Y tế, approver (the plan's issuer)
let reportId;

test('sign-in refuses a bad token in Vietnamese, then shows who and which unit', async () => {
	const page = await browser.context.newPage();
	pages.add(page);
	page.setDefaultTimeout(TIMEOUT);
	page.on('pageerror', (e) => scriptErrors.push(`signin: ${e.message}`));
	await page.goto(URL_ + '/');
	assert.equal(await page.getAttribute('html', 'lang'), 'vi');
	await page.locator('h1', { hasText: 'Đăng nhập' }).waitFor();
	await page.fill('#token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl');
	await page.click('form button[type=submit]');
	await page.locator('.error-box', { hasText: 'Mã truy cập không hợp lệ hoặc đã hết hạn' }).waitFor();
	await shot(page, '01-dang-nhap-loi');
	await page.close();
	pages.delete(page);

	centre = await signIn(fx.tokens.a, 'centre');
	const who = await centre.locator('[data-testid=who]').innerText();
	assert.match(who, /Trung tâm Y tế huyện An Lão/);
	assert.match(who, /Phê duyệt/);
	assert.equal(await centre.evaluate(() => sessionStorage.getItem('bdg.token')), fx.tokens.a);
	assert.equal(await centre.evaluate(() => localStorage.length), 0);
	await shot(centre, '02-tong-quan');
});

test('the unit tree opens one level at a time', async () => {
	dept = await signIn(fx.tokens.dept, 'dept');
	const asked = [];
	dept.on('request', (r) => { if (r.url().includes('/children')) asked.push(r.url()); });
	await goto(dept, '/don-vi');
	const a = dept.locator(`li[data-code="${fx.units.a}"]`);
	await a.waitFor();
	await dept.locator(`li[data-code="${fx.units.c}"]`).waitFor();
	assert.ok(!asked.some((u) => u.includes(`/units/${fx.units.a}/children`)), 'no child list asked before opening');
	await a.locator('button.toggle').click();
	await a.locator('.empty', { hasText: 'Không có đơn vị trực thuộc' }).waitFor();
	assert.ok(asked.some((u) => u.includes(`/units/${fx.units.a}/children`)), 'children asked when opened');
	assert.match(await dept.locator('ul.tree').innerText(), /Đơn vị sự nghiệp công lập/);
	await shot(dept, '03-cay-don-vi');
});

test('an admin adds a unit to the tree; a bad code is named beside its field', async () => {
	const admin = await signIn(fx.tokens.admin, 'admin');
	await goto(admin, '/don-vi');
	const deptNode = admin.locator(`li[data-code="${fx.units.dept}"]`);
	await deptNode.waitFor();
	await deptNode.locator('> .node button', { hasText: 'Thêm đơn vị trực thuộc' }).click();
	const form = deptNode.locator('form.inline-form');
	await form.locator('input').first().fill('TTYT TAY SON');
	await form.locator('label', { hasText: 'Tên đơn vị' }).locator('input').fill('Trung tâm Y tế huyện Tây Sơn');
	await form.locator('select').selectOption('public_service_unit');
	await form.locator('button[type=submit]').click();
	const codeErr = form.locator('[data-field="/code"]');
	await codeErr.waitFor();
	assert.match(await codeErr.innerText(), /chữ in hoa/);
	await shot(admin, '03b-them-don-vi-loi');
	await form.locator('input').first().fill(`${fx.units.dept}-TTYT-TS`);
	await form.locator('button[type=submit]').click();
	await admin.locator('.flash', { hasText: 'Đã thêm đơn vị Trung tâm Y tế huyện Tây Sơn' }).waitFor();
	await deptNode.locator(`li[data-code="${fx.units.dept}-TTYT-TS"]`).waitFor();
	await admin.close();
	pages.delete(admin);
});

test('a plan: its tasks, its cascade and its printable document', async () => {
	await goto(centre, '/ke-hoach');
	await centre.locator('[data-testid=plans] a', { hasText: fx.plan.number }).click();
	await centre.locator('h1', { hasText: 'ngành Y tế năm' }).waitFor();
	const acts = centre.locator('[data-testid=activities] tbody tr');
	await acts.first().waitFor();
	assert.equal(await acts.count(), 3);
	assert.match(await acts.first().innerText(), /15\.000\.000 đồng/);
	const cascade = centre.locator('[data-testid=cascade]');
	await cascade.locator('text=Chưa xây dựng kế hoạch').first().waitFor();
	assert.match(await cascade.innerText(), /Trung tâm Kiểm soát bệnh tật tỉnh Thử Nghiệm/);
	assert.match(await centre.locator('dl.facts').innerText(), new RegExp(`Thử Nghiệm, ${fx.today.split('-').reverse().join('/')}`));
	await shot(centre, '04-ke-hoach');

	await centre.click('text=Xem văn bản để in');
	const frame = centre.frameLocator('iframe.document');
	await frame.locator('text=CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM').waitFor();
	await frame.locator(`text=Số: ${fx.plan.number}`).waitFor();
	assert.equal(await centre.getAttribute('iframe.document', 'sandbox'), 'allow-same-origin allow-modals');
	await shot(centre, '05-van-ban-ke-hoach');
});

test('the department drafts a plan; a bad number is named beside its field', async () => {
	await goto(dept, '/ke-hoach');
	await dept.click('button:has-text("Tạo kế hoạch mới (dự thảo)")');
	const form = dept.locator('form.inline-form');
	await form.locator('textarea').fill(`Kế hoạch truyền thông về bình đẳng giới năm ${fx.year}`);
	await form.locator('button[type=submit]').click();
	await dept.waitForURL(/#\/ke-hoach\/\d+$/);
	await dept.locator('.badge', { hasText: 'Dự thảo' }).waitFor();
	await dept.click('button:has-text("Sửa dự thảo")');
	const edit = dept.locator('form.inline-form');
	await edit.locator('label', { hasText: 'Số hiệu' }).locator('input').fill('KH so 5');
	await edit.locator('button[type=submit]').click();
	const numErr = edit.locator('[data-field="/number"]');
	await numErr.waitFor();
	assert.match(await numErr.innerText(), /số hiệu văn bản/);
	await shot(dept, '04b-du-thao-loi-so-hieu');
	await edit.locator('label', { hasText: 'Số hiệu' }).locator('input').fill(`${(Date.now() % 900) + 100}/KH-SYT`);
	await edit.locator('button[type=submit]').click();
	await dept.locator('.flash', { hasText: 'Đã lưu dự thảo' }).waitFor();
});

test('the centre fills its report: totals as you type, the API error beside the field, then submits', async () => {
	await goto(centre, `/ke-hoach/${fx.plan.id}`);
	await centre.click(`button:has-text("Lập báo cáo năm ${fx.year}")`);
	await centre.waitForURL(/#\/bao-cao\/\d+$/);
	reportId = Number(/bao-cao\/(\d+)/.exec(centre.url())[1]);
	const act = fx.acts[0].id;
	await centre.locator(`#ar-${act}-status`).waitFor();
	await centre.selectOption(`#ar-${act}-status`, 'done');
	await centre.fill(`#ar-${act}-sessions`, '2');
	await centre.fill(`#ar-${act}-participants_female`, '40');
	await centre.fill(`#ar-${act}-participants_male`, '12');
	assert.equal((await centre.locator(`[data-total="ar-${act}"]`).innerText()).trim(), '52');
	await centre.fill('#v-GEN-0402-female', '1.040');
	await centre.fill('#v-GEN-0402-male', '960');
	assert.equal((await centre.locator('#v-GEN-0402-total').innerText()).trim(), '2.000');
	await centre.fill('#v-GEN-0401-total', '-3');
	await centre.click('button:has-text("Lưu nháp")');
	const err = centre.locator('#v-GEN-0401-total-err');
	await err.waitFor();
	assert.match(await err.innerText(), /không được là số âm/);
	assert.equal(await centre.getAttribute('#v-GEN-0401-total', 'aria-invalid'), 'true');
	await centre.locator('.error-box', { hasText: 'Dữ liệu chưa hợp lệ' }).waitFor();
	await shot(centre, '06-bao-cao-loi-du-lieu');

	await centre.fill('#v-GEN-0401-total', '4');
	await centre.fill('#f-results', 'Tổ chức 2 buổi truyền thông về Luật Bình đẳng giới cho 52 viên chức, người lao động.');
	await centre.fill('#f-difficulties', 'Kinh phí dành cho công tác bình đẳng giới còn hạn chế.');
	await centre.fill('#f-recommendations', 'Đề nghị Sở Y tế tổ chức tập huấn nghiệp vụ cho cán bộ phụ trách.');
	await centre.click('button:has-text("Nộp báo cáo")');
	await centre.locator('.badge', { hasText: 'Đã nộp, chờ duyệt' }).waitFor();
	await centre.locator('text=Đúng hạn').first().waitFor();
	assert.equal(await centre.locator('#v-GEN-0401-total').isDisabled(), true);
	assert.equal(await centre.locator('#v-GEN-0401-total-err').count(), 0);
	await shot(centre, '07-bao-cao-da-nop');
});

test('the department sees the report counted on the completeness chart', async () => {
	const v = await completeness(dept);
	assert.deepEqual(v, [2, 0, 1], 'on time: An Lão and Hoài Ân; not sent: the CDC');
	assert.equal(await dept.locator('[data-stat=on_time] .n').innerText(), '2');
	const missing = await dept.locator('[data-testid=missing]').innerText();
	assert.match(missing, /Trung tâm Kiểm soát bệnh tật tỉnh Thử Nghiệm/);
	assert.doesNotMatch(missing, /An Lão/);
	assert.match(await dept.locator('[data-testid=completeness-chart]').getAttribute('aria-label'), /Đúng hạn: 2/);
	await shot(dept, '08-tien-do-truoc-khi-tra-lai');
});

test('the department returns the report with a reason', async () => {
	await goto(dept, '/duyet');
	const row = dept.locator(`tr[data-report="${reportId}"]`);
	// The unit's name arrives with the completeness data, after the row.
	await dept.locator(`tr[data-report="${reportId}"]`, { hasText: 'Trung tâm Y tế huyện An Lão' }).waitFor();
	await row.locator('button:has-text("Trả lại")').click();
	await row.locator('textarea').fill('Số lượt người được truyền thông chưa khớp với biên bản các buổi truyền thông; đề nghị rà soát lại.');
	await shot(dept, '09-duyet-tra-lai');
	await row.locator('button:has-text("Xác nhận trả lại")').click();
	await dept.locator('.flash', { hasText: 'Đã trả lại báo cáo' }).waitFor();
	await row.waitFor({ state: 'detached' });
});

test('the completeness chart changes after the return', async () => {
	const v = await completeness(dept);
	assert.deepEqual(v, [1, 0, 2]);
	const missing = dept.locator(`[data-testid=missing] li[data-unit="${fx.units.a}"]`);
	assert.match(await missing.innerText(), /bị trả lại/);
	await shot(dept, '10-tien-do-sau-khi-tra-lai');
});

test('the centre reads the reason, corrects and resubmits; the department accepts; the roll-up adds it by sex', async () => {
	await goto(centre, '/bao-cao');
	const row = centre.locator(`[data-testid=reports] tr[data-report="${reportId}"]`);
	await row.locator('.badge', { hasText: 'Bị trả lại' }).waitFor();
	await row.locator('a', { hasText: 'Mở' }).click();
	const reason = centre.locator('[data-testid=return-reason]');
	await reason.waitFor();
	assert.match(await reason.innerText(), /chưa khớp với biên bản/);
	await centre.fill('#v-GEN-0402-male', '950');
	assert.equal((await centre.locator('#v-GEN-0402-total').innerText()).trim(), '1.990');
	await shot(centre, '11-bao-cao-bi-tra-lai');
	await centre.click('button:has-text("Nộp lại báo cáo")');
	await centre.locator('.badge', { hasText: 'Đã nộp, chờ duyệt' }).waitFor();

	await goto(dept, `/bao-cao/${reportId}`);
	await dept.click('button:has-text("Chấp nhận")');
	await dept.locator('.badge', { hasText: 'Đã chấp nhận' }).waitFor();
	assert.deepEqual(await completeness(dept), [2, 0, 1]);

	await goto(dept, `/tong-hop?ct=GEN-0402&dv=${fx.units.dept}&nam=${fx.year}`);
	const stats = dept.locator('[data-testid=rollup] .stats');
	await stats.locator('.stat.female .n', { hasText: /\d/ }).waitFor();
	// An Lão 1.040 + Hoài Ân 150 women; 950 + 90 men.
	assert.equal(await stats.locator('.stat.female .n').innerText(), '1.190');
	assert.equal(await stats.locator('.stat.male .n').innerText(), '1.040');
	const chart = dept.locator('[data-testid=rollup-units-chart]');
	await chart.waitFor();
	const vals = JSON.parse(await chart.getAttribute('data-values'));
	const labels = JSON.parse(await chart.getAttribute('data-labels'));
	const at = (name) => labels.indexOf(name);
	assert.equal(vals['Nữ'][at('Trung tâm Y tế huyện An Lão')], 1040);
	assert.equal(vals['Nam'][at('Trung tâm Y tế huyện An Lão')], 950);
	assert.equal(vals['Nữ'][at('Trung tâm Y tế huyện Hoài Ân')], 150);
	await dept.locator('[data-testid=rollup-years-chart]').waitFor();
	await shot(dept, '12-tong-hop-chi-tieu');
});

test('a viewer reads the report but cannot edit or submit it', async () => {
	const viewer = await signIn(fx.tokens.aViewer, 'viewer');
	await goto(viewer, `/bao-cao/${reportId}`);
	await viewer.locator('#v-GEN-0402-female').waitFor();
	assert.equal(await viewer.locator('#v-GEN-0402-female').isDisabled(), true);
	assert.equal(await viewer.locator('button:has-text("Lưu nháp")').count(), 0);
	assert.equal(await viewer.locator('button:has-text("Nộp")').count(), 0);
	assert.equal(await viewer.locator('nav.menu a', { hasText: 'Duyệt báo cáo' }).count(), 0);
	await shot(viewer, '13-nguoi-xem');
});

test('nothing was fetched from another host and no script failed', () => {
	assert.deepEqual(foreign, []);
	assert.deepEqual(scriptErrors, []);
});
