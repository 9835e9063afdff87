//! How a search engine lets its worker's event loop run between slices of work.

/** A yield and a way to release it. */
export interface Yielder {
  yieldNow: () => Promise<void>;
  close: () => void;
}

/**
 * A message to ourselves: a task without setTimeout's 4 ms clamp in browsers.
 * `custom` replaces it (Node drains a MessageChannel before its timers, so
 * in-process tests yield with setTimeout).
 */
export function makeYielder(custom?: () => Promise<void>): Yielder {
  if (custom) return { yieldNow: custom, close: () => {} };
  const channel = new MessageChannel();
  let wake: () => void = () => {};
  channel.port1.onmessage = () => wake();
  return {
    yieldNow: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
        channel.port2.postMessage(null);
      }),
    close: () => channel.port1.close(),
  };
}
