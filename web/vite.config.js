// Vite build of pde's front end. `npm run dev` proxies the API and the
// WebSocket to an engine on PDE_URL (default http://127.0.0.1:8080).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const engine = process.env.PDE_URL || "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      "/api": engine,
      "/ws": { target: engine.replace(/^http/, "ws"), ws: true },
    },
  },
});
