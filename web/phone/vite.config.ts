import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const shared = fileURLToPath(new URL('../shared/src', import.meta.url));
// `npm run dev`: Vite serves the app and passes GraphQL (and its WebSocket) to a running gateway.
const gateway = process.env.SIGNA_GATEWAY_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { alias: { '@shared': shared } },
  plugins: [
    react(),
    VitePWA({
      // Registered from main.tsx (no inline script: the CSP forbids it).
      injectRegister: false,
      registerType: 'autoUpdate',
      filename: 'sw.js',
      manifest: {
        name: 'Signa',
        short_name: 'Signa',
        description: 'Signera SoL-insatser',
        lang: 'sv',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f3f5f8',
        theme_color: '#0b5cad',
        icons: [{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,webmanifest}'],
        // The admin web is its own app; GraphQL, the report download and the gateway's probes
        // are never the shell.
        globIgnores: ['admin/**'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/graphql/, /^\/admin/, /^\/reports/, /^\/healthcheck/, /^\/readiness/],
        cleanupOutdatedCaches: true,
        // The page that installs the worker is the one that must open offline next: take it
        // over now, and let a new version replace the old at once (with injectRegister off,
        // registerType alone does not say so in the built sw.js).
        skipWaiting: true,
        clientsClaim: true,
      },
    }),
  ],
  build: {
    outDir: fileURLToPath(new URL('../dist', import.meta.url)),
    emptyOutDir: false,
    target: 'es2022',
  },
  server: {
    proxy: { '/graphql': { target: gateway, ws: true, changeOrigin: false } },
  },
});
