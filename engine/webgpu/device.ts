// Adapter and device acquisition: limits raised to what the adapter allows, optional features, software
// adapter detection, device-loss tracking.

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface DeviceContext {
  adapter: GPUAdapter;
  device: GPUDevice;
  info: AdapterSummary;
  /** Software rasterizer-class adapter (lavapipe / llvmpipe / SwiftShader / WARP / fallback). */
  isSoftware: boolean;
  hasTimestamps: boolean;
  limits: GPUSupportedLimits;
  /** Set once the device is lost; every entry point checks it. */
  lost: { reason: string; message: string } | null;
}

const inNode = typeof process !== 'undefined' && !!process.versions?.node;
const NO_ADAPTER = inNode
  ? "No WebGPU adapter found. On Linux without a GPU install Mesa lavapipe >= 24 (scripts/install-lavapipe.sh), or use backend 'wasm'."
  : "No WebGPU adapter found: this browser has WebGPU disabled or no supported GPU (try a current Chrome, Edge, Safari or Firefox, or enable WebGPU in its settings), or use backend 'wasm'.";

const LIMITS_WANTED = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize', 'maxDynamicUniformBuffersPerPipelineLayout', 'maxBindingsPerBindGroup',
] as const;

export function isSoftwareAdapter(info: AdapterSummary): boolean {
  if (info.isFallbackAdapter) return true;
  const s = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return /lavapipe|llvmpipe|swiftshader|software|warp|microsoft basic render/.test(s);
}

export async function acquireDevice(
  gpuOrAdapter: GPU | GPUAdapter,
  opts: { powerPreference?: GPUPowerPreference } = {},
): Promise<DeviceContext> {
  let adapter: GPUAdapter | null;
  if ('requestAdapter' in gpuOrAdapter) {
    adapter = await gpuOrAdapter.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  } else {
    adapter = gpuOrAdapter;
  }
  if (!adapter) throw new Error(NO_ADAPTER);
  const ai = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const info: AdapterSummary = {
    vendor: ai?.vendor ?? '', architecture: ai?.architecture ?? '', device: ai?.device ?? '',
    description: ai?.description ?? '',
    isFallbackAdapter: Boolean(ai?.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
  };
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMITS_WANTED) {
    const v = (adapter.limits as unknown as Record<string, number>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const hasTimestamps = adapter.features.has('timestamp-query');
  const requiredFeatures: GPUFeatureName[] = hasTimestamps ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'ffc-webgpu' });
  const ctx: DeviceContext = {
    adapter, device, info, isSoftware: isSoftwareAdapter(info), hasTimestamps, limits: device.limits, lost: null,
  };
  device.lost.then((l) => { ctx.lost = { reason: String(l.reason), message: l.message }; });
  return ctx;
}
