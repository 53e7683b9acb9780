import { run } from "../bench/updates.ts"
run().then(() => console.log("done"))
setInterval(() => {}, 1000)
