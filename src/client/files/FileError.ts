/**
 * The errors of the `Files` module that are not the server's: options outside Telegram's
 * rules, a source that cannot be read or does not hold what it said, media that cannot be
 * downloaded, a file that cannot be written.
 */
import * as Data from "effect/Data"

/**
 * Why a file transfer did not start or did not finish (besides `ClientError`s).
 *
 * - `InvalidOptions`: a part size, chunk size, worker count, offset or limit outside the rules;
 * - `TooLarge`: more parts than Telegram accepts (4000);
 * - `SizeMismatch`: the source held more or fewer bytes than its declared size;
 * - `SourceUnreadable`: the file to upload could not be read (missing path, permissions);
 * - `NoMedia`: the message (or media) holds nothing downloadable;
 * - `ReferenceExpired`: the file reference expired and the message it came from no longer has the file;
 * - `WriteFailed`: the downloaded file could not be written.
 */
export class FileError extends Data.TaggedError("FileError")<{
  readonly reason: "InvalidOptions" | "TooLarge" | "SizeMismatch" | "SourceUnreadable" | "NoMedia" | "ReferenceExpired" | "WriteFailed"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const what = {
      InvalidOptions: "invalid file transfer options",
      TooLarge: "the file is too large for Telegram",
      SizeMismatch: "the source does not hold the size it declared",
      SourceUnreadable: "the file to upload could not be read",
      NoMedia: "nothing to download",
      ReferenceExpired: "the file reference expired and could not be refreshed",
      WriteFailed: "the downloaded file could not be written"
    }[this.reason]
    return `${what}: ${this.detail}`
  }
}
