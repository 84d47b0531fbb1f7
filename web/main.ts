// The page: UI only. Everything that touches the engine runs in worker.ts (a module worker), so the
// page stays responsive while a model trains, and WASM threads can block on Atomics in the worker.
import { renderFace, decodeImage, HELD_OUT_BASE, type RGBImage } from '../train/data/index';
import type { KernelSummary } from '../engine/profile';
import type { BackendChoice, BackendInfo, FaceSpec, ModelInfo, ProfileReport, Reply, Request, TrainOptions, TrainProgress, TrainResult, VerifyResult } from './protocol';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const DISPLAY = 160;

/** What the page shows, also read by the browser tests (window.ffcState). */
const state = {
  ready: false, backend: null as BackendInfo | null, model: null as ModelInfo | null,
  verify: null as VerifyResult | null, verifyCount: 0,
  train: { running: false, losses: [] as number[], progress: null as TrainProgress | null, result: null as TrainResult | null },
  profile: null as ProfileReport | null, errors: [] as string[],
};
(window as unknown as { ffcState: typeof state }).ffcState = state;

// ---------- errors ----------
function showError(msg: string): void {
  state.errors.push(msg);
  $('error-text').textContent = msg;
  $('error').hidden = false;
}
$('error-close').onclick = () => { $('error').hidden = true; };
window.addEventListener('error', (e) => showError(`Unexpected error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => showError(`Unexpected error: ${(e.reason as Error)?.message ?? e.reason}`));

// ---------- the worker ----------
let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function request<T>(req: Request, transfer: Transferable[] = []): Promise<T> {
  if (!worker) return Promise.reject(new Error('the engine is not running'));
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    worker!.postMessage({ id, req }, transfer);
  });
}

function onWorkerMessage(m: Reply): void {
  switch (m.type) {
    case 'reply': {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.result); else p?.reject(new Error(m.error));
      break;
    }
    case 'progress': onProgress(m.progress); break;
    case 'phase': $('train-phase').textContent = m.text; break;
    case 'profile': showProfile(m.report); break;
  }
}

async function start(choice: BackendChoice): Promise<void> {
  state.ready = false;
  worker?.terminate();
  for (const p of pending.values()) p.reject(new Error('the engine was restarted'));
  pending.clear();
  setTraining(false);
  $('backend-status').textContent = `starting ${choice}…`;
  $('notes').hidden = true;
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<Reply>) => onWorkerMessage(e.data);
  worker.onerror = (e) => { e.preventDefault(); showError(`The engine worker failed: ${e.message || 'it could not start (see the console)'}`); };
  try {
    const info = await request<BackendInfo>({ type: 'init', backend: choice });
    state.backend = info;
    $('backend-status').textContent = `${info.description}${info.reason ? ` — ${info.reason}` : ''}`;
    $('notes').hidden = info.notes.length === 0;
    $('notes').textContent = info.notes.join(' ');
    $('footer').textContent = `cross-origin isolated: ${info.isolated ? 'yes' : 'no'} · WebGPU API in this browser: ${info.webgpuAvailable ? 'yes' : 'no'} · CPU cores: ${info.cores}`;
    if (profileOn) await request({ type: 'profiling', on: true });
    await loadBundled();
    state.ready = true;
    document.body.dataset.ready = 'true';
  } catch (err) {
    $('backend-status').textContent = 'not running';
    showError(`Could not start the ${choice} backend: ${(err as Error).message}`);
  }
}

// ---------- the model ----------
function showModel(info: ModelInfo): void {
  state.model = info;
  $('model-name').textContent = info.name;
  $('model-details').textContent = `· ${info.kind}, ${info.inputSize}×${info.inputSize} px → ${info.dim || '?'}-d · threshold ${info.threshold === null ? 'none (uncalibrated: 0.5 is used)' : info.threshold.toFixed(3)} ${info.threshold !== null ? `(${info.thresholdNote})` : ''}`;
  $('verify-result').hidden = true;
}

async function loadBundled(): Promise<void> {
  $('model-name').textContent = 'loading…';
  const meta = await fetch('assets/model.json');
  if (!meta.ok) throw new Error(`the bundled model's assets/model.json is missing (HTTP ${meta.status}); was the page built with npm run build:web?`);
  const json = await meta.arrayBuffer();
  const file = (JSON.parse(new TextDecoder().decode(json)) as { file?: string }).file ?? 'model.safetensors';
  const w = await fetch(`assets/${file}`);
  if (!w.ok) throw new Error(`the bundled model's assets/${file} is missing (HTTP ${w.status})`);
  const bytes = new Uint8Array(await w.arrayBuffer());
  showModel(await request<ModelInfo>({ type: 'load', label: 'bundled', files: [{ name: file, bytes }, { name: 'model.json', bytes: new Uint8Array(json) }] }, [bytes.buffer]));
}

async function loadModelFiles(files: File[]): Promise<void> {
  if (!files.length) return;
  const names = files.map((f) => f.name).join(' + ');
  $('model-name').textContent = `loading ${names}…`;
  const loaded = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  try {
    showModel(await request<ModelInfo>({ type: 'load', label: `'${names}'`, files: loaded }, loaded.map((f) => f.bytes.buffer)));
  } catch (err) {
    $('model-name').textContent = state.model?.name ?? 'none';
    showError((err as Error).message);
  }
}

// ---------- faces ----------
const faces: (FaceSpec | null)[] = [null, null];
const slots = [$('face-a'), $('face-b')];

function drawRGB(canvas: HTMLCanvasElement, img: RGBImage): void {
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext('2d')!;
  const id = ctx.createImageData(img.width, img.height);
  for (let i = 0, j = 0; i < img.width * img.height; i++, j += 3) {
    id.data[4 * i] = img.data[j]; id.data[4 * i + 1] = img.data[j + 1]; id.data[4 * i + 2] = img.data[j + 2]; id.data[4 * i + 3] = 255;
  }
  ctx.putImageData(id, 0, 0);
  const out = canvas.getContext('2d')!;
  out.imageSmoothingQuality = 'high';
  out.drawImage(c, 0, 0, canvas.width, canvas.height);
}

function setFace(slot: number, face: FaceSpec, caption: string): void {
  faces[slot] = face;
  const canvas = slots[slot].querySelector('canvas')!;
  drawRGB(canvas, face.kind === 'synth' ? renderFace(face.id, face.sample, DISPLAY, { difficulty: face.difficulty }) : face);
  const name = slots[slot].querySelector<HTMLElement>('.face-name')!;
  name.textContent = caption;
  name.title = caption;
  $('verify-result').hidden = true;
}

/** Decodes an image file with the browser (any format it knows), centre-cropped to a square. */
async function decodeFile(file: File): Promise<RGBImage> {
  let source: CanvasImageSource & { width: number; height: number };
  try {
    source = await createImageBitmap(file);
  } catch {
    try {
      return squareCrop(decodeImage(new Uint8Array(await file.arrayBuffer()), file.name));
    } catch (err) {
      throw new Error(`${file.name}: this is not an image the page can read (${(err as Error).message})`);
    }
  }
  const side = Math.min(source.width, source.height), S = Math.min(side, 224);
  const c = document.createElement('canvas');
  c.width = c.height = S;
  const ctx = c.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, (source.width - side) / 2, (source.height - side) / 2, side, side, 0, 0, S, S);
  const rgba = ctx.getImageData(0, 0, S, S).data;
  const data = new Uint8Array(S * S * 3);
  for (let i = 0; i < S * S; i++) { data[3 * i] = rgba[4 * i]; data[3 * i + 1] = rgba[4 * i + 1]; data[3 * i + 2] = rgba[4 * i + 2]; }
  return { width: S, height: S, data };
}

function squareCrop(img: RGBImage): RGBImage {
  const side = Math.min(img.width, img.height);
  const x0 = (img.width - side) >> 1, y0 = (img.height - side) >> 1;
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) data.set(img.data.subarray(((y + y0) * img.width + x0) * 3, ((y + y0) * img.width + x0 + side) * 3), y * side * 3);
  return { width: side, height: side, data };
}

async function faceFromFile(slot: number, file: File): Promise<void> {
  try {
    const img = await decodeFile(file);
    setFace(slot, { kind: 'pixels', ...img, name: file.name }, file.name);
    if (faces[0] && faces[1]) await verify();
  } catch (err) {
    showError((err as Error).message);
  }
}

let sampleCounter = Number(params.get('sample') ?? 0);
async function samplePair(same: boolean): Promise<void> {
  const k = sampleCounter++;
  const id = HELD_OUT_BASE + 500 + 2 * k; // held-out identities: never seen in training
  setFace(0, { kind: 'synth', id, sample: 0, difficulty: 0.5 }, `synthetic #${id - HELD_OUT_BASE}, photo 1`);
  if (same) setFace(1, { kind: 'synth', id, sample: 1, difficulty: 0.5 }, `synthetic #${id - HELD_OUT_BASE}, photo 2`);
  else setFace(1, { kind: 'synth', id: id + 1, sample: 0, difficulty: 0.5 }, `synthetic #${id + 1 - HELD_OUT_BASE}, photo 1`);
  await verify();
}

async function verify(): Promise<void> {
  if (!faces[0] || !faces[1]) { showError('Choose two faces first (or a sample pair).'); return; }
  if (!state.ready) return;
  ($('verify') as HTMLButtonElement).disabled = true;
  try {
    const r = await request<VerifyResult>({ type: 'verify', a: faces[0], b: faces[1] });
    state.verify = r;
    state.verifyCount++;
    const t = r.threshold ?? 0.5;
    $('score').textContent = r.score.toFixed(3);
    $('bar-fill').style.width = `${Math.max(0, Math.min(1, (r.score + 1) / 2)) * 100}%`;
    $('bar-threshold').style.left = `${((t + 1) / 2) * 100}%`;
    const same = r.score >= t;
    const d = $('decision');
    d.className = `decision ${same ? 'same' : 'diff'}`;
    d.textContent = `${same ? '✓ Same person' : '✗ Different people'} (threshold ${t.toFixed(3)}${r.threshold === null ? ', uncalibrated' : ''})`;
    $('verify-timing').textContent = `embedding both faces (flip-fused) took ${r.embedMs.toFixed(1)} ms on ${r.backend}`;
    $('verify-result').hidden = false;
  } catch (err) {
    showError(`Verification failed: ${(err as Error).message}`);
  } finally {
    ($('verify') as HTMLButtonElement).disabled = false;
  }
}

// ---------- training ----------
function num(id: string, key: string): number {
  const el = $<HTMLInputElement>(id);
  if (params.has(key)) el.value = params.get(key)!;
  return Number(el.value);
}
function trainOptions(): TrainOptions {
  return {
    steps: num('t-steps', 'steps'), identities: num('t-ids', 'ids'), perIdentity: num('t-per', 'per'), input: num('t-input', 'input'),
    width: num('t-width', 'width'), emb: 64, batch: num('t-batch', 'batch'), lr: num('t-lr', 'lr'), evalPairs: num('t-eval', 'eval'), seed: 1,
  };
}
trainOptions(); // applies URL overrides to the form

function setTraining(on: boolean): void {
  state.train.running = on;
  ($('train') as HTMLButtonElement).disabled = on;
  ($('stop') as HTMLButtonElement).disabled = !on;
  $<HTMLSelectElement>('backend').disabled = on;
}

function onProgress(p: TrainProgress): void {
  state.train.progress = p;
  state.train.losses.push(p.loss);
  $('t-step').textContent = `${p.step} / ${p.total}`;
  $('t-loss').textContent = p.loss.toFixed(3);
  $('t-ips').textContent = p.imagesPerSec.toFixed(1);
  $('t-elapsed').textContent = `${(p.elapsedMs / 1000).toFixed(1)} s`;
  $('train-phase').textContent = 'training…';
  drawLoss(state.train.losses, p.total);
}

function drawLoss(losses: number[], total: number): void {
  const svg = $('loss-chart');
  const W = 600, H = 200, pad = 4;
  const lo = Math.min(...losses), hi = Math.max(...losses);
  const span = hi - lo || 1;
  const x = (i: number) => pad + 30 + (i / Math.max(1, total - 1)) * (W - 2 * pad - 30);
  const y = (v: number) => pad + (1 - (v - lo) / span) * (H - 2 * pad - 14);
  const pts = losses.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  let ema = losses[0];
  const smooth = losses.map((v, i) => { ema = i ? 0.8 * ema + 0.2 * v : v; return `${x(i).toFixed(1)},${y(ema).toFixed(1)}`; }).join(' ');
  svg.innerHTML = `<line class="grid" x1="34" x2="${W}" y1="${y(hi)}" y2="${y(hi)}"/><line class="grid" x1="34" x2="${W}" y1="${y(lo)}" y2="${y(lo)}"/>` +
    `<text x="2" y="${y(hi) + 10}">${hi.toFixed(1)}</text><text x="2" y="${y(lo) - 2}">${lo.toFixed(1)}</text>` +
    `<text x="${W - 60}" y="${H - 3}">step ${losses.length}</text><polyline class="curve raw" points="${pts}"/><polyline class="curve smooth" points="${smooth}"/>` +
    `<text x="40" y="${H - 3}">loss per step (light) and smoothed</text>`;
}

async function train(): Promise<void> {
  const o = trainOptions();
  if (!(o.steps >= 1 && o.identities >= 4 && o.perIdentity >= 2 && o.batch >= 2 && o.batch % 2 === 0 && o.lr > 0)) {
    showError('Training settings: steps ≥ 1, identities ≥ 4, images per identity ≥ 2, an even batch ≥ 2 and a positive learning rate, please.');
    return;
  }
  state.train.losses = []; state.train.result = null;
  $('train-result').hidden = true;
  ($('use-trained') as HTMLButtonElement).disabled = true;
  $('loss-chart').innerHTML = '';
  setTraining(true);
  try {
    const r = await request<TrainResult>({ type: 'train', options: o });
    state.train.result = r;
    $('train-phase').textContent = '';
    const res = $('train-result');
    res.hidden = false;
    res.innerHTML = `${r.stopped ? `Stopped after ${r.steps} steps.` : `Trained ${r.steps} steps`} in ${(r.elapsedMs / 1000).toFixed(1)} s; loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}.<br>` +
      `Verification on ${r.pairs} held-out synthetic pairs: <b>accuracy ${(100 * r.accuracy).toFixed(1)}%</b>, AUC ${r.auc.toFixed(3)}, best threshold ${r.threshold.toFixed(3)} (${(r.evalMs / 1000).toFixed(1)} s).`;
    ($('use-trained') as HTMLButtonElement).disabled = false;
  } catch (err) {
    $('train-phase').textContent = '';
    if (!/restarted/.test((err as Error).message)) showError(`Training failed: ${(err as Error).message}`);
  } finally {
    setTraining(false);
  }
}

// ---------- profile ----------
let profileOn = false;
function showProfile(r: ProfileReport): void {
  state.profile = r;
  if (!profileOn) return;
  $('profile-label').textContent = `${r.label}: ${r.dispatches} kernel dispatches, ${r.totalMs.toFixed(2)} ms of kernel time`;
  const rows = r.kernels.map((k: KernelSummary) => `<tr><td>${escapeHtml(k.kernel)}</td><td>${k.calls}</td><td>${k.totalMs.toFixed(3)}</td><td>${(100 * k.share).toFixed(1)}%</td><td>${k.gflops.toFixed(2)}</td><td>${k.gbps.toFixed(2)}</td></tr>`);
  $('profile-table').querySelector('tbody')!.innerHTML = rows.join('');
  ($('trace') as HTMLButtonElement).disabled = false;
}
const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' } as Record<string, string>)[c]};`);

async function setProfiling(on: boolean): Promise<void> {
  profileOn = on;
  $('profile').hidden = !on;
  await request({ type: 'profiling', on });
  // idle with a pair on screen: profile one verification so that the table has something to show
  if (on && !state.train.running && faces[0] && faces[1] && state.ready) await verify();
}

async function downloadTrace(): Promise<void> {
  const json = await request<string | null>({ type: 'trace' });
  if (!json) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  a.download = 'ffc-webgpu-trace.json';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ---------- wiring ----------
const on = (id: string, ev: string, fn: (e: Event) => unknown) =>
  $(id).addEventListener(ev, (e) => { Promise.resolve(fn(e)).catch((err) => showError((err as Error).message)); });

on('sample-same', 'click', () => samplePair(true));
on('sample-diff', 'click', () => samplePair(false));
on('verify', 'click', () => verify());
on('train', 'click', () => train());
on('stop', 'click', () => request({ type: 'stop' }));
on('use-trained', 'click', async () => { showModel(await request<ModelInfo>({ type: 'use-trained' })); ($('use-trained') as HTMLButtonElement).disabled = true; });
on('profile-toggle', 'change', (e) => setProfiling((e.target as HTMLInputElement).checked));
on('trace', 'click', () => downloadTrace());
on('model-file', 'change', async (e) => { const input = e.target as HTMLInputElement; await loadModelFiles([...input.files ?? []]); input.value = ''; });
on('model-bundled', 'click', async () => { try { await loadBundled(); } catch (err) { showError((err as Error).message); } });
on('backend', 'change', (e) => start((e.target as HTMLSelectElement).value as BackendChoice));

slots.forEach((el, slot) => {
  const input = el.querySelector('input')!;
  input.addEventListener('change', () => { if (input.files?.[0]) void faceFromFile(slot, input.files[0]); input.value = ''; });
  el.addEventListener('dragover', (e) => { e.preventDefault(); e.stopPropagation(); el.classList.add('drag'); });
  el.addEventListener('dragleave', () => el.classList.remove('drag'));
  el.addEventListener('drop', (e) => {
    e.preventDefault(); e.stopPropagation(); el.classList.remove('drag');
    const f = e.dataTransfer?.files[0];
    if (f) void faceFromFile(slot, f);
  });
});
const card = $('verify-card');
card.addEventListener('dragover', (e) => { e.preventDefault(); card.classList.add('drag'); });
card.addEventListener('dragleave', (e) => { if (e.target === card) card.classList.remove('drag'); });
card.addEventListener('drop', (e) => {
  e.preventDefault(); card.classList.remove('drag');
  const files = [...e.dataTransfer?.files ?? []];
  // images dropped on the card (not on a slot) fill the slots; anything else is a model
  const images = files.filter((f) => f.type.startsWith('image/'));
  if (images.length) images.slice(0, 2).forEach((f, i) => void faceFromFile(images.length === 1 ? (faces[0] ? 1 : 0) : i, f));
  else void loadModelFiles(files);
});
// a file dropped elsewhere must not navigate away from the page
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());

const initial = (params.get('backend') ?? 'auto') as BackendChoice;
$<HTMLSelectElement>('backend').value = ['auto', 'webgpu', 'wasm'].includes(initial) ? initial : 'auto';
void start($<HTMLSelectElement>('backend').value as BackendChoice).then(() => { if (state.ready && !faces[0]) return samplePair(true); });
