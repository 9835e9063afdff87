//! The Web Worker entry: the handler in engine.ts, wired to the worker's global scope.

import { workerHandler } from "./engine";
import type { FromWorker, ToWorker } from "./protocol";

const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

const { handle } = workerHandler((m) => scope.postMessage(m));
scope.onmessage = (event) => handle(event.data);
