// Main-thread work from a Chromium performance trace. The PerformanceObserver
// 'longtask' entry measures wall time, which on a loaded machine includes time the
// renderer waited for a CPU; the trace's thread time (tdur) is the work itself.
import { readFileSync } from "node:fs";

/** Top-level tasks of every renderer main thread in the trace: wall and CPU ms. */
export function rendererMainTasks(tracePath) {
  const { traceEvents } = JSON.parse(readFileSync(tracePath, "utf8"));
  const threadNames = new Map();
  for (const e of traceEvents) {
    if (e.name === "thread_name") threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
  }
  return traceEvents
    .filter(
      (e) =>
        e.name === "RunTask" &&
        typeof e.dur === "number" &&
        threadNames.get(`${e.pid}:${e.tid}`) === "CrRendererMain",
    )
    .map((e) => ({ wallMs: e.dur / 1000, cpuMs: (e.tdur ?? e.dur) / 1000 }));
}
