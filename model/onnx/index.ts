// ONNX import/export (browser-safe; the Node-only file loader is model/onnx/node-embedding.ts).
//  - loadOnnx(bytes, {source, readExternal}) → OnnxRunner: runs an ONNX graph on the current engine
//    (WASM or WebGPU), NCHW or NHWC input, BN folded into convs at load, shape arithmetic on the host.
//  - exportOnnx(net) / exportOnnxFromState(state, options): MobileFaceNet → ONNX bytes (opset 13+).
//  - loadOnnxIntoMobileFaceNet(bytes): an ONNX MobileFaceNet of this project's layout → MobileFaceNet.
export { loadOnnx, OnnxRunner, SUPPORTED_OPS, MAX_OPSET, MIN_OPSET, type OnnxLoadOptions, type OnnxIO } from './runtime';
export { exportOnnx, exportOnnxFromState, loadOnnxIntoMobileFaceNet, mobileFaceNetPlan, type ExportOptions, type PlanLayer } from './mobilefacenet';
export { decodeModel, encodeModel, type OnnxModel, type OnnxGraph, type OnnxNode, type OnnxTensor, type ModelSpec, type NodeSpec } from './schema';
export { decodeTensor, type HostTensor, type ExternalReader } from './host';
