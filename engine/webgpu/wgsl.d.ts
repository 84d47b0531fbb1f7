// WGSL sources are imported as text with a `?raw` suffix: vite / vitest understand it natively; the
// esbuild build maps `*.wgsl?raw` to the file and loads `.wgsl` with the text loader (see shaders.ts).
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
