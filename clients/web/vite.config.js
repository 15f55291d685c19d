// Vite builds the UI into dist/, which bdgd serves from BDG_WEB_ROOT:
// index.html plus hashed files under dist/assets/ (cached for a year by
// bdgd). No inline script or style tag is emitted (the page's CSP is
// default-src 'self'), and nothing is loaded from any other host.
import { defineConfig } from 'vite';

export default defineConfig({
	esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
	build: {
		outDir: 'dist',
		emptyOutDir: true,
		target: 'es2020',
		assetsDir: 'assets',
		modulePreload: { polyfill: false },
		sourcemap: false,
		chunkSizeWarningLimit: 400,
	},
	server: {
		// `npm run dev` with a bdgd on 127.0.0.1:8080 (./dev up).
		proxy: { '/api': 'http://127.0.0.1:8080' },
	},
});
