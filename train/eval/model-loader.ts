// Loading a trained MobileFaceNet for inference from a run folder or a .safetensors file. The
// architecture comes from the run's config.json, or is read off the tensor shapes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, type NamedArray } from '../../engine/safetensors';
import { MobileFaceNet, type MobileFaceNetOptions } from '../../model/mobilefacenet';
import { embedBatch, type Embedder } from './verify';

/** MobileFaceNet options from a state dict's shapes. */
export function optionsFromState(state: Map<string, NamedArray>, source: string): MobileFaceNetOptions {
  const get = (k: string) => {
    const t = state.get(k);
    if (!t) throw new Error(`${source}: '${k}' is missing; this is not a MobileFaceNet state dict of this project`);
    return t.shape;
  };
  const stem = get('stem.conv.weight'), gdc = get('gdc.conv.weight'), emb = get('embedding.conv.weight');
  const activation = state.has('stem.act.weight') ? 'prelu' : 'relu';
  return { width: stem[0] / 64, inputSize: 16 * gdc[1], embedding: emb[0], activation };
}

export interface LoadedModel extends Embedder { net: MobileFaceNet; dispose(): void }

/** A MobileFaceNet from a run folder (config.json + model.safetensors) or a .safetensors file. */
export function loadMobileFaceNet(spec: string): LoadedModel {
  if (!existsSync(spec)) throw new Error(`model ${spec} does not exist`);
  const dir = statSync(spec).isDirectory();
  const file = dir ? join(spec, 'model.safetensors') : spec;
  if (!existsSync(file)) throw new Error(`${spec}: no model.safetensors (has the run written its first checkpoint?)`);
  const { tensors } = decodeSafetensors(readFileSync(file), file);
  let opts: MobileFaceNetOptions;
  if (dir && existsSync(join(spec, 'config.json'))) {
    const c = JSON.parse(readFileSync(join(spec, 'config.json'), 'utf8')).config;
    opts = { inputSize: c.input, width: c.width, embedding: c.emb, activation: c.activation };
  } else {
    opts = optionsFromState(tensors, file);
  }
  const net = new MobileFaceNet(opts);
  net.loadState(tensors, file);
  net.eval();
  return {
    net, inputSize: net.inputSize,
    embed: (images, n, flipped) => embedBatch(net, images, n, flipped),
    dispose: () => net.dispose(),
  };
}
