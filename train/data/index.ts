// The data layer's browser-safe API (no node:* imports): images, the synthetic generator, datasets,
// samplers, RecordIO framing, the restricted pickle reader and verification sets.
export { decodeImage, decodeImageAt, encodePng, encodeJpeg, resizeImage, writeNormalized, tileImages, isJpeg, isPng, ImageDecodeError, type RGBImage } from './image';
export { renderFace, faceIdentity, hashSeed, HELD_OUT_BASE, type SynthOptions, type FaceIdentity } from './synth';
export { SynthDataset, MemoryDataset, parseSynthSpec, loadOrSubstitute, type Dataset, type OpenOptions, type SynthSpec } from './dataset';
export {
  InstanceSampler, IdentitySampler, FfcSampler, SyncLoader, assemble, fillImages, sliceBatch, ffcViews,
  type Batch, type Plan, type Sampler, type SamplerState, type BatchSource, type InstanceOptions, type IdentityOptions,
} from './sampler';
export { RECORDIO_MAGIC, packRecord, unpackRecord, frameRecord, readRecordAt, parseIndex, type RecordHeader, type ImageRecord, type ReadAt } from './recordio';
export { readPickle, writeBinPickle, parseVerificationBin, PickleError, PickleTuple, type PickleValue } from './pickle';
export {
  VerificationSet, parseLfwPairs, parsePairList, lfwImagePath, verificationFromBin, synthPairLines, synthVerification, formatLfwPairs,
  type Pair, type ImageRef, type LfwPairLine, type SynthPairsOptions,
} from './verification';
