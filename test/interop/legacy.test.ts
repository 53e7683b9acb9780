// @mtproto/core 6.3, which still sends the pre-RSA_PAD p_q_inner_data, against a TestDc (suites/legacy.ts).
import { describeWithPeers } from "./support/peers.ts"

await describeWithPeers("TestDc: the pre-RSA_PAD p_q_inner_data (@mtproto/core)", "legacy.ts")
