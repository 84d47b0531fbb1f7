// Worker pool plumbing shared by Node and browsers. No node:* imports here (the engine bundles for
// the browser); Node specifics live in node-threads.ts.

/** What the backend needs from a platform to start kernel threads. */
export interface ThreadPlatform {
  /** Logical CPUs. */
  cpus(): number;
  /** Starts a worker running `src` (plain JS); `onMessage` gets its messages. */
  spawn(src: string, onMessage: (msg: unknown) => void, onError: (err: unknown) => void): WorkerHandle;
}
export interface WorkerHandle {
  post(msg: unknown): void;
  /** Called once the worker is ready: it must not keep the process alive from then on. */
  detach(): void;
  terminate(): void;
}

// Control block (Int32 slots) in shared memory.
export const CTL_SEQ = 0;      // bumped by the main thread for every parallel run
export const CTL_KID = 1;      // kernel id (-1: exit)
export const CTL_PARTS = 2;    // parts of this run (main thread is part 0)
export const CTL_ARGS = 3;     // argument block address
export const CTL_DONE = 4;     // workers finished with this run
export const CTL_WSLEEP = 5;   // workers asleep in Atomics.wait on CTL_SEQ
export const CTL_MSLEEP = 6;   // main thread asleep in Atomics.wait on CTL_DONE
export const CTL_INTS = 16;

/**
 * The worker: instantiates the kernels on the shared memory, then loops: wait for CTL_SEQ to move,
 * run its part, count itself done. Runs as a Node eval worker (CommonJS: `require` exists) or as a
 * classic Web Worker from a Blob URL.
 */
export const WORKER_SOURCE = `
'use strict';
let port = null;
if (typeof require === 'function') { const threads = 'worker_threads'; port = require(threads).parentPort; }
const post = (m) => (port ? port.postMessage(m) : self.postMessage(m));
const onFirst = async (msg) => {
  try {
    const inst = await WebAssembly.instantiate(msg.module, { env: { memory: msg.memory } });
    const run = inst.exports.run;
    const ctl = new Int32Array(msg.memory.buffer, msg.ctl, ${CTL_INTS});
    const me = msg.index;
    const SPIN = msg.spin;
    let seen = Atomics.load(ctl, ${CTL_SEQ});
    post({ ready: me });
    for (;;) {
      let s = Atomics.load(ctl, ${CTL_SEQ});
      let spins = 0;
      while (s === seen) {
        if (++spins > SPIN) {
          Atomics.add(ctl, ${CTL_WSLEEP}, 1);
          Atomics.wait(ctl, ${CTL_SEQ}, seen);
          Atomics.sub(ctl, ${CTL_WSLEEP}, 1);
          spins = 0;
        }
        s = Atomics.load(ctl, ${CTL_SEQ});
      }
      seen = s;
      const kid = Atomics.load(ctl, ${CTL_KID});
      if (kid < 0) break;
      const parts = Atomics.load(ctl, ${CTL_PARTS});
      if (me < parts) {
        try { run(kid, Atomics.load(ctl, ${CTL_ARGS}) >>> 0, me, parts); }
        catch (e) { post({ error: String(e && e.stack || e) }); }
        Atomics.add(ctl, ${CTL_DONE}, 1);
        if (Atomics.load(ctl, ${CTL_MSLEEP}) > 0) Atomics.notify(ctl, ${CTL_DONE});
      }
    }
  } catch (e) {
    post({ error: String(e && e.stack || e) });
  }
  if (port) port.close(); else self.close();
};
if (port) port.once('message', onFirst); else self.onmessage = (e) => { self.onmessage = null; onFirst(e.data); };
`;

/** Browser (Web Worker or window) platform: Blob-URL workers. */
export const browserPlatform: ThreadPlatform = {
  cpus: () => (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1,
  spawn(src, onMessage, onError) {
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const w = new Worker(url);
    w.onmessage = (e) => onMessage(e.data);
    w.onerror = (e) => onError(e);
    return { post: (m) => w.postMessage(m), detach: () => {}, terminate: () => { w.terminate(); URL.revokeObjectURL(url); } };
  },
};
