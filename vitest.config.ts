// Tests compile with SWC so that decorator metadata (TypeGraphQL, TypeORM) survives.
import { createRequire } from "node:module";
import swc from "unplugin-swc";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  // graphql ships ESM and CommonJS builds; libraries that require() it and our ESM imports
  // must meet one copy, or instanceof checks fail ("from another module or realm").
  resolve: { alias: { graphql: require.resolve("graphql") } },
  plugins: [
    swc.vite({
      module: { type: "es6" },
      jsc: { target: "es2022", parser: { syntax: "typescript", decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false } },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/support/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: ["default"],
  },
});
