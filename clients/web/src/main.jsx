// main.jsx: the app shell: sign-in by token, the header with who is signed
// in, the menu (by role), and the hash routes to each screen.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';
import * as api from './api.js';
import { label } from './format.js';
import { Me, useRoute, href, can, ErrorBox, Loading } from './ui.jsx';
import { SignIn } from './pages/signin.jsx';
import { Home } from './pages/home.jsx';
import { Units } from './pages/units.jsx';
import { Plans, PlanDetail, PlanDocument, ReportDocument } from './pages/plans.jsx';
import { Reports, ReportForm } from './pages/reports.jsx';
import { Review } from './pages/review.jsx';
import { Completeness } from './pages/completeness.jsx';
import { Rollup } from './pages/rollup.jsx';

const ROUTES = [
	[/^\/$/, Home],
	[/^\/don-vi$/, Units],
	[/^\/ke-hoach$/, Plans],
	[/^\/ke-hoach\/(\d+)$/, PlanDetail],
	[/^\/ke-hoach\/(\d+)\/van-ban$/, PlanDocument],
	[/^\/bao-cao$/, Reports],
	[/^\/bao-cao\/(\d+)$/, ReportForm],
	[/^\/bao-cao\/(\d+)\/van-ban$/, ReportDocument],
	[/^\/duyet$/, Review],
	[/^\/tien-do$/, Completeness],
	[/^\/tong-hop$/, Rollup],
];

const MENU = [
	['/', 'Tổng quan', 'viewer'],
	['/don-vi', 'Đơn vị', 'viewer'],
	['/ke-hoach', 'Kế hoạch', 'viewer'],
	['/bao-cao', 'Báo cáo', 'viewer'],
	['/duyet', 'Duyệt báo cáo', 'approver'],
	['/tien-do', 'Tình hình nộp báo cáo', 'viewer'],
	['/tong-hop', 'Tổng hợp chỉ tiêu', 'viewer'],
];

function App() {
	const [token, setToken] = useState(api.getToken());
	const [me, setMe] = useState(null);
	const [error, setError] = useState(null);
	const route = useRoute();

	useEffect(() => api.onToken(setToken), []);
	useEffect(() => {
		setMe(null);
		setError(null);
		if (!token) return;
		api.get('/me').then(setMe, setError);
	}, [token]);

	if (!token) return <SignIn />;
	if (error) {
		return (
			<main class="narrow">
				<ErrorBox error={error} />
				<button onClick={() => api.setToken('')}>Đăng nhập lại</button>
			</main>
		);
	}
	if (!me) return <Loading text="Đang kiểm tra phiên đăng nhập…" />;

	let Page = null;
	let params = [];
	for (const [re, C] of ROUTES) {
		const m = re.exec(route.path);
		if (m) {
			Page = C;
			params = m.slice(1);
			break;
		}
	}
	const active = (p) => (p === '/' ? route.path === '/' : route.path.startsWith(p));
	return (
		<Me.Provider value={me}>
			<header class="top">
				<div class="brand">
					<a href="#/">Bình đẳng giới</a>
					<span>Kế hoạch và báo cáo công tác bình đẳng giới, vì sự tiến bộ của phụ nữ</span>
				</div>
				<div class="who" data-testid="who">
					<span class="who-name">{me.sub}</span>
					<span class="who-unit">{me.unit_detail ? me.unit_detail.name : me.unit}</span>
					<span class="badge badge-role">{label('role', me.role)}</span>
					<button class="link" onClick={() => { api.forgetUnits(); api.setToken(''); }}>Đăng xuất</button>
				</div>
			</header>
			<nav class="menu" aria-label="Danh mục chính">
				{MENU.filter(([, , role]) => can(me, role)).map(([p, text]) => (
					<a key={p} href={href(p)} class={active(p) ? 'active' : ''} aria-current={active(p) ? 'page' : undefined}>
						{text}
					</a>
				))}
			</nav>
			<main>
				{Page ? <Page params={params} query={route.query} key={route.path} /> : <NotFound />}
			</main>
			<footer class="foot">Dữ liệu do máy chủ bdg cung cấp · Ngày giờ theo giờ Việt Nam</footer>
		</Me.Provider>
	);
}

function NotFound() {
	return (
		<div class="card">
			<h1>Không tìm thấy trang</h1>
			<p>
				Đường dẫn này không có trong ứng dụng. <a href="#/">Về trang tổng quan</a>.
			</p>
		</div>
	);
}

const root = document.getElementById('app');
root.textContent = '';
render(<App />, root);
