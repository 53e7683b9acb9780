/**
 * The one error of the storage layer. It is a `Schema.TaggedError` because it leaves the
 * library (a layer that fails to build hands it to the user) and is worth logging as JSON.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

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
 *
 * @since 0.1.0
 * @category models
 */
export const SessionStorageErrorReason = Schema.Literal("Corrupt", "Foreign", "UnsupportedVersion", "Io", "Locked", "Symlink")

/**
 * @since 0.1.0
 * @category models
 */
export type SessionStorageErrorReason = typeof SessionStorageErrorReason.Type

/**
 * A session could not be loaded or saved. Branch on `reason`; `path` names the file (absent
 * for in-memory and string sessions); `detail` is a human-readable explanation.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionStorageError extends Schema.TaggedError<SessionStorageError>()("SessionStorageError", {
  reason: SessionStorageErrorReason,
  path: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    const where = this.path === undefined ? "" : ` (${this.path})`
    return `${this.reason}${where}${this.detail === undefined ? "" : `: ${this.detail}`}`
  }
}
