import { TransportError } from "../TransportError.ts"

export const badFrame = (message: string): TransportError =>
  new TransportError({ reason: "BadFrame", cause: new Error(message) })
