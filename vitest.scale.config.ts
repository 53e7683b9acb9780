import { defineConfig } from "vitest/config"
import base from "./vitest.config.ts"

// `npm run test:scale`: only the scale proofs (`*.scale.test.ts`), at full size (test/support/scale.ts).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/**/*.scale.test.ts"],
    env: { MTPROTO_TEST_SCALE: "full" },
    testTimeout: 120_000
  }
})
