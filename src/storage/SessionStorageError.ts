/**
 * The one error of the storage layer: a layer that fails to build hands it to the user. A plain
 * `Data` error, so that loading the storage does not load `effect/Schema`.
 */
import * as Data from "effect/Data"

/**
 * Why a session could not be read or written.
 *
 * - `Corrupt`: the file is not JSON, or it carries our marker but does not match the schema;
 *   a string session that does not decode.
 * - `Foreign`: valid JSON that is not an effect-mtproto session (no/other `kind` marker).
 * - `UnsupportedVersion`: our marker with a format version this build does not know.
 * - `Io`: the file system failed (permissions, disk full, ...).
 * - `Locked`: another client (this process or another one) holds the session file.
 * - `Symlink`: the session path is a symbolic link (refused: saving would replace the link).
 */
export type SessionStorageErrorReason = "Corrupt" | "Foreign" | "UnsupportedVersion" | "Io" | "Locked" | "Symlink"

/**
 * A session could not be loaded or saved. Branch on `reason`; `path` names the file (absent
 * for in-memory and string sessions); `detail` is a human-readable explanation.
 */
export class SessionStorageError extends Data.TaggedError("SessionStorageError")<{
  readonly reason: SessionStorageErrorReason
  readonly path?: string | undefined
  readonly detail?: string | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    const where = this.path === undefined ? "" : ` (${this.path})`
    return `${this.reason}${where}${this.detail === undefined ? "" : `: ${this.detail}`}`
  }
}
