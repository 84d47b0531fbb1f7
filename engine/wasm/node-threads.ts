// Node-only half of the thread platform (node:worker_threads, node:os). Only this file names node:*
// modules, and only through dynamic import(), so that a browser bundle that marks node:* external
// still loads (a static import would be hoisted to the top of the bundle).
import type { ThreadPlatform } from './threads';

export async function createNodePlatform(): Promise<ThreadPlatform> {
  const { Worker } = await import('node:worker_threads');
  const { availableParallelism } = await import('node:os');
  return {
    cpus: () => availableParallelism(),
    spawn(src, onMessage, onError) {
      const w = new Worker(src, { eval: true });
      w.on('message', onMessage);
      w.on('error', onError);
      return {
        post: (m) => w.postMessage(m),
        detach: () => w.unref(), // kernel threads never keep the process alive once started
        terminate: () => { void w.terminate(); },
      };
    },
  };
}
