// Compute pipelines, cached by shader + entry point + binding signature + override constants, with
// explicit bind group layouts (so bind groups can be shared by pipelines of one signature and no binding
// is dropped by 'auto' layouts).
//
// Binding signature: one letter per binding, in order: 'u' uniform, 'd' uniform with dynamic offset
// (the scalar ring), 'r' read-only storage, 'w' read-write storage.
//
// Pipelines are created synchronously (a kernel call never waits); creation errors are caught with an
// error scope and reported asynchronously through `onError` with the shader file, the entry point and
// the WGSL line:col (from getCompilationInfo), then thrown by the next read / sync.
import { STAGE_COMPUTE } from './constants';
import { SHADERS, SHADER_FILES, type ShaderName } from './shaders';

export interface Pipe {
  readonly id: number;
  readonly name: string;
  readonly pipeline: GPUComputePipeline;
  readonly layoutId: number;
  readonly bgl: GPUBindGroupLayout;
  readonly sig: string;
}

interface Layout { id: number; bgl: GPUBindGroupLayout; pl: GPUPipelineLayout }

/** "file:line:col: error: message" plus the source line and a caret, for every message. */
export function formatCompilationMessages(
  what: string, file: string, code: string, messages: readonly GPUCompilationMessage[],
): string {
  const lines = code.split('\n');
  const parts = messages.filter((m) => m.type === 'error').map((m) => {
    const src = lines[m.lineNum - 1] ?? '';
    const caret = ' '.repeat(Math.max(0, m.linePos - 1)) + '^';
    return `${file}:${m.lineNum}:${m.linePos}: error: ${m.message}\n    ${src}\n    ${caret}`;
  });
  return `WGSL compile error in ${what}:\n${parts.join('\n')}`;
}

/** Compiles WGSL and throws a readable error (with line:col) when it does not compile. */
export async function compileWGSL(device: GPUDevice, code: string, what: string, file = '<wgsl>'): Promise<GPUShaderModule> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code, label: what });
  const [info, err] = await Promise.all([module.getCompilationInfo(), device.popErrorScope()]);
  if (info.messages.some((m) => m.type === 'error')) {
    throw new Error(formatCompilationMessages(what, file, code, info.messages));
  }
  if (err) throw new Error(`WGSL compile error in ${what}: ${err.message}`);
  return module;
}

export class Pipelines {
  created = 0;
  private modules = new Map<ShaderName, GPUShaderModule>();
  private layouts = new Map<string, Layout>();
  private cache = new Map<string, Pipe>();
  private nextLayout = 1;

  constructor(private device: GPUDevice, private onError: (e: Error) => void) {}

  /** Checks that every shader file compiles (fast: no pipeline, no backend compile). */
  async validateAll(): Promise<void> {
    for (const name of Object.keys(SHADERS) as ShaderName[]) {
      this.modules.set(name, await compileWGSL(this.device, SHADERS[name], `shader '${name}'`, SHADER_FILES[name]));
    }
  }

  private module(name: ShaderName): GPUShaderModule {
    let m = this.modules.get(name);
    if (!m) {
      m = this.device.createShaderModule({ code: SHADERS[name], label: SHADER_FILES[name] });
      this.modules.set(name, m);
    }
    return m;
  }

  layout(sig: string): Layout {
    let l = this.layouts.get(sig);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [...sig].map((c, binding) => {
        const visibility = STAGE_COMPUTE;
        switch (c) {
          case 'u': return { binding, visibility, buffer: { type: 'uniform' } };
          case 'd': return { binding, visibility, buffer: { type: 'uniform', hasDynamicOffset: true } };
          case 'r': return { binding, visibility, buffer: { type: 'read-only-storage' } };
          case 'w': return { binding, visibility, buffer: { type: 'storage' } };
          default: throw new Error(`webgpu: bad binding signature ${sig}`);
        }
      });
      const bgl = this.device.createBindGroupLayout({ entries, label: `layout ${sig}` });
      const pl = this.device.createPipelineLayout({ bindGroupLayouts: [bgl], label: `layout ${sig}` });
      l = { id: this.nextLayout++, bgl, pl };
      this.layouts.set(sig, l);
    }
    return l;
  }

  get(shader: ShaderName, entry: string, sig: string, constants?: Record<string, number | boolean>): Pipe {
    let ckey = '';
    if (constants) for (const k of Object.keys(constants).sort()) ckey += `${k}=${+constants[k]},`;
    const key = `${shader}|${entry}|${sig}|${ckey}`;
    let p = this.cache.get(key);
    if (p) return p;
    const layout = this.layout(sig);
    const module = this.module(shader);
    const name = `${SHADER_FILES[shader]}:${entry}${ckey ? ` {${ckey.slice(0, -1)}}` : ''}`;
    const consts: Record<string, number> = {};
    if (constants) for (const k of Object.keys(constants)) consts[k] = +constants[k];
    this.device.pushErrorScope('validation');
    const pipeline = this.device.createComputePipeline({
      layout: layout.pl, label: name, compute: { module, entryPoint: entry, constants: consts },
    });
    this.device.popErrorScope().then(async (err) => {
      if (!err) return;
      const info = await module.getCompilationInfo();
      const msg = info.messages.some((m) => m.type === 'error')
        ? formatCompilationMessages(`pipeline ${name}`, SHADER_FILES[shader], SHADERS[shader], info.messages)
        : `webgpu: creating pipeline ${name} failed: ${err.message}`;
      this.onError(new Error(msg));
    }, (e) => this.onError(e instanceof Error ? e : new Error(String(e))));
    this.created++;
    p = { id: this.created, name, pipeline, layoutId: layout.id, bgl: layout.bgl, sig };
    this.cache.set(key, p);
    return p;
  }
}
