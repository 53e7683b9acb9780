// mtcute and GramJS do their own handshake and encrypted calls against a TestDc (suites/interop.ts).
import { describeWithPeers } from "./support/peers.ts"

await describeWithPeers("TestDc interop (mtcute, GramJS)", "interop.ts")
