// The package's browser entry: the engine, the models and the training core (no Node modules).
export * from './engine/index';
export { MobileFaceNet, type MobileFaceNetOptions } from './model/mobilefacenet';
export { FCHead } from './model/fc';
export { PartialFCHead } from './model/partial-fc';
export { FFC, FFCHead, poolSize, type FFCOptions } from './model/ffc';
export { DynamicClassPool } from './model/dcp';
export { marginPreset, marginLogits, marginCrossEntropy, type Margin, type MarginKind } from './model/margin';
export { loadOnnx, exportOnnx, loadOnnxIntoMobileFaceNet } from './model/onnx/index';
export { Trainer } from './train/trainer';
export { DEFAULTS as TRAIN_DEFAULTS, resolveConfig, type TrainConfig } from './train/config';
export { verificationMetrics, type VerificationMetrics } from './train/eval/metrics';
export * as data from './train/data/index';
