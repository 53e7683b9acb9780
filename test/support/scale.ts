/**
 * Scale proofs (`*.scale.test.ts`) run twice: at a representative slice in `npm test`, and at
 * full size in `npm run test:scale` (vitest.scale.config.ts sets MTPROTO_TEST_SCALE=full), which
 * CI runs too. The slice keeps the property under test in every `npm test`; the full run keeps
 * the bulk out of it.
 */

/** Whether this run is `npm run test:scale`. */
export const fullScale: boolean = process.env.MTPROTO_TEST_SCALE === "full"

/** `slice` in `npm test`, `full` in `npm run test:scale`. */
export const scaled = (slice: number, full: number): number => (fullScale ? full : slice)

/** A count as test titles write it: `10,000`. */
export const count = (n: number): string => n.toLocaleString("en-US")
