/**
 * The emulated Telegram state behind a {@link TestDc}: users, and the common update
 * sequence (pts). Deliberately small; later issues (auth, messages, updates) grow it.
 *
 * Kept apart from the protocol code: handlers read and change it, the MTProto layers never
 * touch it. JavaScript runs one handler step at a time, so a plain mutable structure with
 * one owner (the TestDc) is safe; handlers change it inside `Effect.sync`.
 *
 * @since 0.1.0
 */

/**
 * A user known to the emulated DC.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorldUser {
  readonly id: bigint
  readonly accessHash: bigint
  readonly firstName: string
  readonly lastName?: string | undefined
  readonly username?: string | undefined
  readonly phone?: string | undefined
  readonly bot?: boolean | undefined
}

/**
 * The emulated state. Tests read it directly (`dc.world.users.get(id)`, `dc.world.pts`).
 *
 * @since 0.1.0
 * @category models
 */
export interface World {
  /** Users by id. */
  readonly users: Map<bigint, WorldUser>
  /** The common update sequence number (pts) of the emulated account state. */
  readonly pts: number
  /** Adds (or replaces) a user and returns it. */
  readonly addUser: (user: Omit<WorldUser, "id" | "accessHash"> & Partial<Pick<WorldUser, "id" | "accessHash">>) => WorldUser
  /** Advances pts by `count` (default 1) and returns the new value. */
  readonly bumpPts: (count?: number) => number
}

/**
 * A fresh, empty world. User ids are assigned from 1000000 up when not given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWorld = (): World => {
  const users = new Map<bigint, WorldUser>()
  let pts = 1
  let nextUserId = 1_000_000n
  return {
    users,
    get pts() {
      return pts
    },
    addUser: (user) => {
      const id = user.id ?? nextUserId++
      // A stable, non-secret access hash derived from the id: tests can predict it.
      const full: WorldUser = { ...user, id, accessHash: user.accessHash ?? (id * 7919n) ^ 0x5a5a5a5an }
      users.set(id, full)
      return full
    },
    bumpPts: (count = 1) => (pts += count)
  }
}
