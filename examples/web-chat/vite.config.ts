// Vite's configuration for the web chat example: PARLEY_URL from the environment reaches the page as import.meta.env.PARLEY_URL.
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  envPrefix: ["VITE_", "PARLEY_"],
  // Relative asset paths, so the built page works from any folder a static server puts it in.
  base: "./",
  server: { port: 5173 },
});
