import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard is served by `chimera server` from web/dist; in development, `vite --config web/vite.config.ts`
// proxies the API to a server on 7070.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': 'http://127.0.0.1:7070' } },
});
