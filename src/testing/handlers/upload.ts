/**
 * The `upload.*` methods over the World's file store: parts saved in any order
 * (`upload.saveFilePart`, `upload.saveBigFilePart`), and `upload.getFile` with Telegram's
 * alignment rules, FILE_MIGRATE_X for a file that lives on another DC, and file references
 * that expire (`world.expireFileReference`).
 */
import type { Handlers } from "./core.ts"
import { asUser } from "./acting.ts"

/**
 * The `upload.*` handlers every TestDc has.
 */
export const uploadHandlers: Handlers = {
  "upload.saveFilePart": (request, ctx) =>
    asUser(ctx, ({ me }) => {
      ctx.world.files.savePart(me.id, request.file_id, request.file_part, request.bytes, undefined)
      return true
    }),

  "upload.saveBigFilePart": (request, ctx) =>
    asUser(ctx, ({ me }) => {
      ctx.world.files.savePart(me.id, request.file_id, request.file_part, request.bytes, request.file_total_parts)
      return true
    }),

  "upload.getFile": (request, ctx) =>
    asUser(ctx, () => ctx.world.files.read(request.location, ctx.dcId, Number(request.offset), request.limit, request.precise === true))
}
