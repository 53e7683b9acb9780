/**
 * The session layer's metrics (Effect `Metric`s, process-wide like every Effect metric): the
 * connections each DC's Sender re-opened, and the server messages a security check dropped.
 * The Client's own metrics (`client/metrics.ts`) re-export these.
 */
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"

/**
 * Connections re-opened after one was lost or failed, labelled `dc` (the DC id the Sender was
 * told, when it was).
 */
export const reconnects = Metric.counter("mtproto_reconnects_total", {
  description: "connections to a DC re-opened after one was lost or could not be opened",
  incremental: true
})

/**
 * Server frames and messages dropped by a security check (msg_key, session, msg_id window,
 * replay), labelled `reason`.
 */
export const rejectedFrames = Metric.counter("mtproto_rejected_frames_total", {
  description: "server frames and messages dropped by a security check",
  incremental: true
})

/**
 * Label sets made once and reused: a metric keeps its state per label array (a `WeakMap` by
 * identity), so a new array per update would cost a lookup by value each time.
 */
export const labelCache = <K extends string | number>(name: string) => {
  const cache = new Map<K, ReadonlyArray<MetricLabel.MetricLabel>>()
  return (value: K): ReadonlyArray<MetricLabel.MetricLabel> => {
    let labels = cache.get(value)
    if (labels === undefined) {
      labels = [MetricLabel.make(name, String(value))]
      cache.set(value, labels)
    }
    return labels
  }
}
