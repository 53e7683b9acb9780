// mtcute and GramJS reach TestDc through its MTProxy mode and the test SOCKS5 server (suites/interop.proxy.ts).
import { describeWithPeers } from "./support/peers.ts"

await describeWithPeers("interop through proxies (mtcute, GramJS)", "interop.proxy.ts")
