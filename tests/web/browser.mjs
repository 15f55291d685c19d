// browser.mjs: Debian's Chromium (headless) under playwright-core, with a
// fresh profile each time; nothing but the server under test is reached.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--disable-dev-shm-usage', '--lang=vi-VN'];

export function chromiumPath() {
	if (process.env.BDG_CHROMIUM) return process.env.BDG_CHROMIUM;
	for (const p of ['/usr/bin/chromium', '/usr/lib/chromium/chromium', '/usr/bin/chromium-browser'])
		if (existsSync(p)) return p;
	return null;
}

/** A persistent context in a throwaway profile; close() removes the profile. */
export async function launch({ width = 1366, height = 900 } = {}) {
	const exe = chromiumPath();
	if (!exe) throw new Error('no Chromium: apt-get install -y chromium');
	const dir = mkdtempSync(join(tmpdir(), 'bdg-chromium-'));
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: exe,
		headless: true,
		args: ARGS,
		locale: 'vi-VN',
		timezoneId: 'Asia/Ho_Chi_Minh',
		viewport: { width, height },
		deviceScaleFactor: 1,
	});
	return {
		context,
		async close() {
			await context.close().catch(() => {});
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
