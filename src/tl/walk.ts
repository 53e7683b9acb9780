/**
 * A walk over every object inside a TL value (an answer, an update, arrays of them), for code
 * that collects things wherever they sit (peers, messages).
 */

/**
 * Calls `visit` on every non-array object in `root`, depth first and in field/array order, each
 * object once (safe on shared or cyclic graphs). `visit` returns whether to look inside the
 * object. Iterative (no stack limit); bytes, bigints, strings and numbers are skipped.
 */
export const walkObjects = (root: unknown, visit: (value: object) => boolean): void => {
  const seen = new WeakSet<object>()
  const stack: Array<unknown> = [root]
  while (stack.length > 0) {
    const value = stack.pop()
    if (typeof value !== "object" || value === null || ArrayBuffer.isView(value) || seen.has(value)) continue
    seen.add(value)
    if (!Array.isArray(value) && !visit(value)) continue
    const children: ReadonlyArray<unknown> = Array.isArray(value) ? value : Object.values(value)
    // Pushed in reverse so they are visited in order.
    for (let i = children.length - 1; i >= 0; i--) {
      const item = children[i]
      if (typeof item === "object" && item !== null) stack.push(item)
    }
  }
}
