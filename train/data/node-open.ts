// Opens any dataset from a spec string: `synth:…`, a RecordIO prefix (or .rec/.idx path), or an image folder. Node-only.
import { existsSync, statSync } from 'node:fs';
import { SynthDataset, type Dataset, type OpenOptions } from './dataset';
import { FolderDataset } from './node-folder';
import { RecordDataset, recPrefix } from './node-recordio';

export function openDataset(spec: string, opts: OpenOptions = {}): Dataset {
  if (spec === 'synth' || spec.startsWith('synth:')) return new SynthDataset(spec, opts);
  const prefix = recPrefix(spec);
  if (/\.(rec|idx)$/.test(spec) || (existsSync(`${prefix}.rec`) && !(existsSync(spec) && statSync(spec).isDirectory()))) return new RecordDataset(spec, opts);
  if (existsSync(spec) && statSync(spec).isDirectory()) return new FolderDataset(spec, opts);
  throw new Error(`dataset '${spec}' not found: give an image folder (root/<identity>/*.jpg), a RecordIO prefix (<prefix>.rec + .idx + property) or synth:ids=N[,per=K,size=S,difficulty=D,seed=S]`);
}
