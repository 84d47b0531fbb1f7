// A decode/augment worker for the prefetching pipeline (node:worker_threads). It opens the dataset
// from its spec and fills batches of normalised images for the plans the main thread sends.
import { parentPort, workerData } from 'node:worker_threads';
import { openDataset } from './node-open';
import { fillImages } from './sampler';
import type { OpenOptions } from './dataset';

interface Job { id: number; indices: Int32Array; flips: Uint8Array }

const { spec, options } = workerData as { spec: string; options: OpenOptions };
const port = parentPort!;
let ds: ReturnType<typeof openDataset> | undefined;
let openError: Error | undefined;
try { ds = openDataset(spec, options); } catch (e) { openError = e as Error; }

port.on('message', (job: Job | { close: true }) => {
  if ('close' in job) { ds?.close?.(); port.close(); return; }
  try {
    if (!ds) throw openError!;
    const px = ds.imageSize * ds.imageSize * 3;
    const images = new Float32Array(job.indices.length * px);
    fillImages(ds, job.indices, job.flips, images);
    port.postMessage({ id: job.id, images, bad: ds.badCount ?? 0 }, [images.buffer]);
  } catch (e) {
    port.postMessage({ id: job.id, error: (e as Error).message });
  }
});
