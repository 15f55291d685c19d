// format.js: how the UI writes dates, numbers, periods and the API's enums
// in Vietnamese, and how it reads numbers people type. Pure functions (no
// DOM), so tests/web/format.test.mjs runs them under node.

const NUM = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });
const INT = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const VND = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const TIME = new Intl.DateTimeFormat('vi-VN', {
	timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric',
	hour: '2-digit', minute: '2-digit', hour12: false,
});

/** 12345.5 → "12.345,5"; null/undefined/'' → "—". */
export function num(v) {
	if (v === null || v === undefined || v === '' || Number.isNaN(Number(v))) return '—';
	return NUM.format(Number(v));
}

export function int(v) {
	if (v === null || v === undefined || v === '' || Number.isNaN(Number(v))) return '—';
	return INT.format(Number(v));
}

/** 15000000 → "15.000.000 đồng". */
export function vnd(v) {
	if (v === null || v === undefined || v === '') return '—';
	return VND.format(Number(v)) + ' đồng';
}

/** "2019-03-28" → "28/03/2019" (the date as written, no time zone shift). */
export function date(iso) {
	if (!iso) return '—';
	const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso));
	if (!m) return String(iso);
	if (String(iso).length > 10) return dateTime(iso).slice(0, 10);
	return `${m[3]}/${m[2]}/${m[1]}`;
}

/** A timestamp → "28/03/2019 14:05", in Vietnam's time zone. */
export function dateTime(iso) {
	if (!iso) return '—';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return String(iso);
	const parts = Object.fromEntries(TIME.formatToParts(d).map((p) => [p.type, p.value]));
	return `${parts.day}/${parts.month}/${parts.year} ${parts.hour === '24' ? '00' : parts.hour}:${parts.minute}`;
}

/** "28/3/2019" or "2019-03-28" → "2019-03-28"; anything else → null. */
export function parseDate(text) {
	const t = String(text || '').trim();
	let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
	if (m) return t;
	m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
	if (!m) return null;
	const d = new Date(Date.UTC(+m[3], +m[2] - 1, +m[1]));
	if (d.getUTCDate() !== +m[1] || d.getUTCMonth() !== +m[2] - 1) return null;
	return `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
}

/**
 * Reads a number typed the Vietnamese way. Whole numbers: "1.234", "1 234"
 * and "1234" are 1234. Decimals (whole=false): the comma is the decimal
 * mark ("12,5" is 12.5; "1.234,5" is 1234.5); with no comma a single dot
 * followed by other than three digits is taken as a decimal point ("12.5").
 * Returns {value} (null for empty) or {error} with a Vietnamese message.
 */
export function parseNumber(text, whole = true) {
	let t = String(text ?? '').trim().replace(/\s+/g, '');
	if (t === '') return { value: null };
	let neg = false;
	if (/^[-−]/.test(t)) {
		neg = true;
		t = t.slice(1);
	}
	let v;
	if (whole) {
		if (!/^\d{1,3}(\.\d{3})+$|^\d+$/.test(t)) return { error: 'phải là số nguyên (ví dụ 1.250)' };
		v = Number(t.replace(/\./g, ''));
	} else if (t.includes(',')) {
		if (!/^(\d{1,3}(\.\d{3})+|\d+),\d+$|^(\d{1,3}(\.\d{3})+|\d+),?$/.test(t)) return { error: 'không phải là số (ví dụ 12,5)' };
		v = Number(t.replace(/\./g, '').replace(',', '.'));
	} else if (/^\d{1,3}(\.\d{3}){2,}$/.test(t)) {
		v = Number(t.replace(/\./g, ''));
	} else {
		if (!/^\d+(\.\d+)?$/.test(t)) return { error: 'không phải là số (ví dụ 12,5)' };
		v = Number(t);
	}
	if (!Number.isFinite(v)) return { error: 'không phải là số' };
	return { value: neg ? -v : v };
}

/** A number as it goes back into an input: 1040 → "1.040", 12.5 → "12,5" (parseNumber reads both back). */
export function inputNumber(v) {
	if (v === null || v === undefined || v === '' || Number.isNaN(Number(v))) return '';
	return NUM.format(Number(v));
}

/** "2024" → "Năm 2024", "2024-H1" → "6 tháng đầu năm 2024", ... */
export function period(p) {
	if (!p) return '—';
	const m = /^(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?$/.exec(p);
	if (!m) return p;
	const [, y, part] = m;
	if (!part) return `Năm ${y}`;
	if (part === 'H1') return `6 tháng đầu năm ${y}`;
	if (part === 'H2') return `6 tháng cuối năm ${y}`;
	if (part[0] === 'Q') return `Quý ${['I', 'II', 'III', 'IV'][+part[1] - 1]}/${y}`;
	return `Tháng ${part}/${y}`;
}

export const LABELS = {
	role: { viewer: 'Xem', editor: 'Biên tập', approver: 'Phê duyệt', admin: 'Quản trị' },
	unitKind: {
		province: 'Tỉnh, thành phố', department: 'Sở, ban, ngành', district: 'Huyện, thị xã, thành phố thuộc tỉnh',
		commune: 'Xã, phường, thị trấn', division: 'Phòng, khoa, ban chuyên môn',
		public_service_unit: 'Đơn vị sự nghiệp công lập', committee: 'Ban vì sự tiến bộ của phụ nữ', other: 'Khác',
	},
	planStatus: { draft: 'Dự thảo', issued: 'Đã ban hành', superseded: 'Đã được thay thế', cancelled: 'Đã hủy' },
	planType: { plan: 'Kế hoạch', guidance: 'Công văn hướng dẫn' },
	category: {
		communication: 'Truyền thông', capacity_building: 'Nâng cao năng lực, tập huấn',
		targeted_direction: 'Chỉ đạo điểm', victim_support: 'Hỗ trợ nạn nhân', model: 'Mô hình',
		action_month: 'Tháng hành động', committee: 'Ban vì sự tiến bộ của phụ nữ', inspection: 'Kiểm tra, giám sát',
		statistics: 'Thống kê, báo cáo', commendation: 'Khen thưởng', other: 'Khác',
	},
	activityStatus: { planned: 'Chưa triển khai', in_progress: 'Đang thực hiện', done: 'Hoàn thành', cancelled: 'Đã hủy' },
	reportStatus: { draft: 'Đang soạn', submitted: 'Đã nộp, chờ duyệt', accepted: 'Đã chấp nhận', returned: 'Bị trả lại' },
	resultStatus: {
		done: 'Đã thực hiện', partly: 'Thực hiện một phần', partial: 'Thực hiện một phần',
		not_done: 'Chưa thực hiện', cancelled: 'Không thực hiện',
	},
	sex: { female: 'Nữ', male: 'Nam', total: 'Tổng' },
	measure: { count: 'Số lượng', percent: 'Tỷ lệ (%)', ratio: 'Tỷ số' },
	aggregation: { sum: 'Cộng dồn', ratio: 'Tỷ số của tổng', max: 'Lớn nhất', latest: 'Số mới nhất' },
};

/** The Vietnamese label of an enum value, or the value itself. */
export function label(kind, value) {
	if (value === null || value === undefined) return '—';
	return (LABELS[kind] && LABELS[kind][value]) || String(value);
}

/** "x tháng trễ": on time / days late as words. */
export function lateness(onTime, daysLate) {
	if (onTime === true) return 'Đúng hạn';
	if (onTime === false) return daysLate > 0 ? `Trễ ${int(daysLate)} ngày` : 'Trễ hạn';
	return '—';
}
