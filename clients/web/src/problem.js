// problem.js: the API's errors (application/problem+json, RFC 9457) for
// people who read Vietnamese. The API writes its messages in English; the
// common ones are put into Vietnamese here, anything else is shown as the
// API wrote it. Pure functions (tested under node).

const VI = new Intl.NumberFormat('vi-VN');

const STATUS = {
	0: 'Không kết nối được với máy chủ. Kiểm tra mạng rồi thử lại.',
	400: 'Yêu cầu không hợp lệ.',
	401: 'Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại.',
	403: 'Vai trò của bạn không được phép thực hiện thao tác này.',
	404: 'Không tìm thấy, hoặc nằm ngoài phạm vi đơn vị của bạn.',
	409: 'Xung đột: dữ liệu đã có hoặc không còn ở trạng thái cho phép thao tác này.',
	412: 'Dữ liệu đã được người khác thay đổi. Hãy tải lại trang rồi sửa lại.',
	413: 'Dữ liệu gửi lên quá lớn.',
	415: 'Định dạng dữ liệu gửi lên không được hỗ trợ.',
	422: 'Dữ liệu chưa hợp lệ. Xem các ô được đánh dấu.',
	428: 'Thiếu thông tin phiên bản (If-Match). Hãy tải lại trang.',
	429: 'Bạn gửi quá nhiều yêu cầu. Vui lòng đợi một lát.',
	500: 'Máy chủ gặp lỗi. Vui lòng thử lại sau.',
	503: 'Cơ sở dữ liệu tạm thời không sẵn sàng. Vui lòng thử lại sau.',
};

/** A sentence for an HTTP status. */
export function statusText(status) {
	if (STATUS[status]) return STATUS[status];
	return status >= 500 ? STATUS[500] : `Lỗi ${status}.`;
}

const FIELD_NAMES = {
	code: 'mã', name: 'tên', kind: 'loại', parent: 'đơn vị cấp trên', valid_from: 'ngày hiệu lực',
	valid_to: 'ngày hết hiệu lực', successor: 'đơn vị kế thừa', number: 'số hiệu', year: 'năm',
	title: 'trích yếu', issued_on: 'ngày ban hành', place: 'nơi ban hành', unit: 'đơn vị',
	indicator: 'chỉ tiêu', sex: 'giới tính', value: 'giá trị', period: 'kỳ báo cáo', reason: 'lý do',
	status: 'trạng thái', sessions: 'số buổi', participants_female: 'số người tham gia nữ',
	participants_male: 'số người tham gia nam', results: 'kết quả', difficulties: 'khó khăn, vướng mắc',
	recommendations: 'kiến nghị', activity: 'hoạt động', starts_on: 'ngày bắt đầu', ends_on: 'ngày kết thúc',
	budget_vnd: 'kinh phí', section: 'mục', category: 'lĩnh vực', lead_unit: 'đơn vị chủ trì',
};

// [English pattern, Vietnamese] — $1.. are the pattern's groups.
const MESSAGES = [
	[/^is required$/, 'bắt buộc phải nhập'],
	[/^must not be empty$/, 'không được để trống'],
	[/^must not be null$/, 'không được để trống'],
	[/^is too long$/, 'quá dài'],
	[/^must not be negative$/, 'không được là số âm'],
	[/^must be positive$/, 'phải là số dương'],
	[/^must be from 0 to 100$/, 'phải từ 0 đến 100'],
	[/^must be from (-?[\d.]+) to (-?[\d.]+)$/, (m) => (Number(m[1]) === 0 && Number(m[2]) >= 1e9
		? 'không được là số âm'
		: `phải từ ${VI.format(Number(m[1]))} đến ${VI.format(Number(m[2]))}`)],
	[/^must be a whole number.*$/, 'phải là số nguyên'],
	[/^must be an? (integer|whole number)$/, 'phải là số nguyên'],
	[/^must be a (non-negative )?(number|integer)$/, 'phải là số'],
	[/^must be a real date as YYYY-MM-DD$/, 'phải là ngày có thật (năm-tháng-ngày)'],
	[/^must be a date as YYYY-MM-DD$/, 'phải là ngày (năm-tháng-ngày)'],
	[/^must be at most (\d+) characters$/, 'tối đa $1 ký tự'],
	[/^must be (\d+) to (\d+) characters$/, 'phải dài từ $1 đến $2 ký tự'],
	[/^must be a period: .*$/, 'phải là kỳ báo cáo: 2024, 2024-H1, 2024-Q3 hoặc 2024-05'],
	[/^must be female, male or total$/, 'phải là nữ, nam hoặc tổng'],
	[/^is not a known field$/, 'không phải là trường dữ liệu hợp lệ'],
	[/^is not a known unit kind$/, 'không phải là loại đơn vị hợp lệ'],
	[/^is not a known category$/, 'không phải là lĩnh vực hợp lệ'],
	[/^must be a code of .*$/, 'chỉ gồm chữ in hoa, chữ số, dấu chấm, gạch dưới hoặc gạch ngang'],
	[/^must be 1-64 capital letters.*$/, 'chỉ gồm 1–64 chữ in hoa, chữ số, dấu chấm, gạch dưới hoặc gạch ngang'],
	[/^no such unit$/, 'không có đơn vị này'],
	[/^no such indicator$/, 'không có chỉ tiêu này'],
	[/^no such plan$/, 'không có kế hoạch này'],
	[/^no such activity$/, 'không có hoạt động này'],
	[/^must not be before (\w+)$/, (m) => `không được trước ${FIELD_NAMES[m[1]] || m[1]}`],
	[/^is not a document number.*$/, 'không phải là số hiệu văn bản (ví dụ 595/KH-SYT)'],
	[/^must be a section number.*$/, 'không phải là số mục (ví dụ II.3.a)'],
	[/^a unit with this code already exists$/, 'đã có đơn vị với mã này'],
	[/^must equal the sum of female and male.*$/i, 'phải bằng tổng của nữ và nam'],
	[/^must be the sum of .*$/i, 'phải bằng tổng của nữ và nam'],
	[/^(must|should) (be|equal) female \+ male.*$/i, 'phải bằng tổng của nữ và nam'],
	[/^must be an object$/, 'phải là một đối tượng'],
	[/^must be an array$/, 'phải là một danh sách'],
	[/^must be true or false$/, 'phải là đúng hoặc sai'],
];

/** An API field message in Vietnamese (or as written when unknown). */
export function fieldMessage(msg) {
	const text = String(msg || '').trim();
	for (const [re, vi] of MESSAGES) {
		const m = re.exec(text);
		if (m) return typeof vi === 'function' ? vi(m) : text.replace(re, vi);
	}
	return text;
}

/**
 * Turns a problem document into {status, title, fields: {pointer: message}}
 * with Vietnamese text. `title` is a sentence for the whole error; `detail`
 * is the API's own text (shown small, for a support request).
 */
export function describe(status, problem) {
	const fields = {};
	const list = (problem && Array.isArray(problem.errors)) ? problem.errors : [];
	for (const e of list) {
		if (!e || typeof e.field !== 'string') continue;
		const f = e.field.startsWith('/') ? e.field : '/' + e.field;
		const msg = fieldMessage(e.message);
		fields[f] = fields[f] ? `${fields[f]}; ${msg}` : msg;
	}
	return {
		status,
		title: statusText(status),
		detail: problem && problem.detail ? String(problem.detail) : '',
		requestId: problem && problem.request_id ? String(problem.request_id) : '',
		fields,
	};
}

/** The name of the last meaningful part of a pointer: "/values/2/value" → "giá trị". */
export function fieldName(pointer) {
	const parts = String(pointer).split('/').filter((p) => p && !/^\d+$/.test(p));
	const last = parts[parts.length - 1] || pointer;
	return FIELD_NAMES[last] || last;
}
