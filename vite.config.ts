import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    // Hashed file names under assets/: the server caches them for a year (server/plugins/app/spa.ts).
    assetsDir: 'assets',
    sourcemap: false,
  },
  server: {
    // `npm run dev`: Vite serves the SPA with hot reload and sends the API to `npm start`'s server.
    proxy: { '/api': 'http://127.0.0.1:8080', '/emulator': 'http://127.0.0.1:8080' },
  },
});
