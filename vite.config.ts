import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Three pages (landing, host, join) and the host worker, built to dist/web; the Node server serves them.
export default defineConfig({
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        host: resolve(import.meta.dirname, 'host.html'),
        join: resolve(import.meta.dirname, 'join.html'),
      },
    },
  },
  worker: { format: 'es' },
  server: { fs: { allow: ['.'] } },
});
