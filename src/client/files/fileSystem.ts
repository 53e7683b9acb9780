/**
 * `@effect/platform`'s `FileSystem` service, its module loaded on first use: that module
 * brings `effect/Schema` (and with it fast-check), which nothing else a client needs loads, so
 * a program that never reads or writes a path does not pay for it at start-up.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "@effect/platform/FileSystem"

/** The module (Node caches it after the first import). */
export const fileSystemModule: Effect.Effect<typeof FileSystem> = Effect.promise(() => import("@effect/platform/FileSystem"))

/** The program's `FileSystem` service. */
export const fileSystem: Effect.Effect<FileSystem.FileSystem, never, FileSystem.FileSystem> = Effect.flatMap(
  fileSystemModule,
  (module) => module.FileSystem
)
