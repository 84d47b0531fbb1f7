// The package's Node entry: everything in lib.ts plus initNode (Dawn's WebGPU, worker threads) and the
// file-backed data readers.
export * from './lib';
export { initNode } from './engine/node';
export { openDataset } from './train/data/node-open';
export { openVerification } from './train/data/node-verification';
export { loadEmbeddingModel } from './model/onnx/node-embedding';
