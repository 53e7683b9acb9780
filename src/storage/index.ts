/**
 * Session storage: the `SessionStorage` service and its memory, file and string backends, the
 * peer cache rules and `peersFromObjects`.
 */
export * from "./PeerCache.ts"
export * from "./SessionData.ts"
export * from "./SessionFile.ts"
export * from "./SessionStorage.ts"
export * from "./SessionStorageError.ts"
export * from "./StringSession.ts"
