import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env.THREADLINE_API ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root,
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      // One path carries POST, SSE and the graphql-ws socket.
      '/graphql': { target: apiTarget, ws: true, changeOrigin: true },
    },
  },
});
