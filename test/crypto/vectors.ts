// Shared loader for ../shared/vectors (relative to the repository root).
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const vectorPath = (name: string): string =>
  fileURLToPath(new URL(`../../../shared/vectors/${name}`, import.meta.url))

export const hasVector = (name: string): boolean => existsSync(vectorPath(name))

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const loadVector = (name: string): any => JSON.parse(readFileSync(vectorPath(name), "utf8"))
