// Serves a built page folder (default dist/web) on localhost with the cross-origin isolation headers
// (COOP/COEP) that SharedArrayBuffer, and so multi-threaded WebAssembly, needs.
//   node scripts/web-serve.mjs [--dir dist/web] [--port 8080] [--no-isolation]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml', '.safetensors': 'application/octet-stream', '.onnx': 'application/octet-stream',
};

/** Starts the server; resolves with its address. `port` 0 picks a free one; a busy port tries the next ones. */
export async function serveWeb({ dir = 'dist/web', port = 8080, host = '127.0.0.1', isolation = true } = {}) {
  const root = path.resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = path.join(root, rel);
      if (!file.startsWith(root)) { res.writeHead(403).end('forbidden'); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        ...(isolation ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
        'Cross-Origin-Resource-Policy': 'same-origin',
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  for (let p = port, tries = 0; ; p++, tries++) {
    try {
      await new Promise((resolve, reject) => { server.once('error', reject); server.listen(p, host, () => { server.off('error', reject); resolve(); }); });
      break;
    } catch (err) {
      if (err.code !== 'EADDRINUSE' || port === 0 || tries > 20) throw err;
    }
  }
  const { port: bound } = server.address();
  return { server, url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${bound}/` };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const val = (flag, d) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : d; };
  const dir = val('--dir', 'dist/web');
  try {
    await stat(path.join(dir, 'index.html'));
  } catch {
    console.error(`${dir}/index.html is missing; build the page first (npm run build:web)`);
    process.exit(1);
  }
  const isolation = !args.includes('--no-isolation');
  const { url } = await serveWeb({ dir, port: Number(val('--port', process.env.PORT ?? 8080)), host: val('--host', '127.0.0.1'), isolation });
  console.log(`ffc-webgpu page: ${url}  (serving ${dir}${isolation ? ', cross-origin isolated: WASM uses threads' : ', not isolated: WASM runs on one thread'}; Ctrl-C stops)`);
}
