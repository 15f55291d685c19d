// signin.jsx: sign-in by pasting a token (a JWT). The token is checked with
// GET /me and kept in sessionStorage only (gone when the tab closes).
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { ErrorBox } from '../ui.jsx';

export function SignIn() {
	const [text, setText] = useState('');
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const expired = sessionStorage.getItem('bdg.expired');

	async function submit(e) {
		e.preventDefault();
		const t = text.trim().replace(/^Bearer\s+/i, '').replace(/^TOKEN=/, '');
		if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(t)) {
			setError({ title: 'Mã truy cập không đúng dạng. Hãy dán nguyên chuỗi mã (gồm ba phần, cách nhau bởi dấu chấm).' });
			return;
		}
		setBusy(true);
		setError(null);
		try {
			await api.request('/me', { token: t });
			sessionStorage.removeItem('bdg.expired');
			api.setToken(t);
		} catch (err) {
			setError(err.status === 401 ? { ...err, title: 'Mã truy cập không hợp lệ hoặc đã hết hạn.' } : err);
		} finally {
			setBusy(false);
		}
	}

	return (
		<main class="signin">
			<form class="card" onSubmit={submit}>
				<h1>Đăng nhập</h1>
				<p class="lead">
					Hệ thống quản lý kế hoạch và báo cáo công tác bình đẳng giới và vì sự tiến bộ của phụ nữ.
				</p>
				{expired && <p class="flash flash-warn">Phiên đăng nhập trước đã hết hạn.</p>}
				<label for="token">Mã truy cập (token) do quản trị viên cấp</label>
				<textarea
					id="token"
					name="token"
					rows={5}
					spellcheck={false}
					autocomplete="off"
					placeholder="eyJhbGciOi…"
					value={text}
					onInput={(e) => setText(e.currentTarget.value)}
				/>
				<p class="hint">Mã chỉ được lưu trong thẻ trình duyệt này và tự xóa khi đóng thẻ.</p>
				<ErrorBox error={error} />
				<button type="submit" class="primary" disabled={busy || !text.trim()}>
					{busy ? 'Đang kiểm tra…' : 'Đăng nhập'}
				</button>
			</form>
		</main>
	);
}
