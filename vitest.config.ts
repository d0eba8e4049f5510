import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{domain,platform,contracts,api,bot,cards,db,worker,tests,site/src}/**/*.test.ts", "*.test.ts"],
    exclude: ["node_modules/**", "dist/**", "site/dist/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: { LOG_LEVEL: "silent" },
  },
});
