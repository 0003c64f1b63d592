// node-wasi.mjs — run a wasm32-wasi command module under node's WASI.
//
//   node bench/node-wasi.mjs [options] [--] prog.wasm [args...]
//
// Options:
//   --dir HOST[::GUEST]  preopen directory HOST, seen by the program as GUEST
//                        (default GUEST: HOST itself); may be repeated
//   --env NAME=VALUE     add one environment variable; may be repeated
//                        (the program sees no environment unless given)
//   --time-compile       print the time of new WebAssembly.Module() to stderr
//   --liftoff            baseline tier only (Liftoff, no tier-up)
//   --turbofan           optimizing tier only (no Liftoff)
//
// The program's argv[0] is the wasm path as given. The exit status is the
// program's (proc_exit or return from main); 1 with a message for a trap.
//
// node 20.20.2 can abort inside fd_write on heavy output when the WASI
// imports are handed to the module directly; every import is therefore
// wrapped in a plain JS function (see ../shared/notes/benchmarking.md).

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';

function usage(msg) {
  if (msg) process.stderr.write(`node-wasi: ${msg}\n`);
  process.stderr.write(
    'usage: node node-wasi.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... ' +
    '[--time-compile] [--liftoff|--turbofan] [--] prog.wasm [args...]\n');
  process.exit(2);
}

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let timeCompile = false;
let i = 0;
for (; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') { i++; break; }
  if (!a.startsWith('--')) break;
  if (a === '--dir') {
    const v = argv[++i];
    if (v === undefined) usage('--dir needs an argument');
    const sep = v.indexOf('::');
    const host = sep < 0 ? v : v.slice(0, sep);
    const guest = sep < 0 ? v : v.slice(sep + 2);
    preopens[guest] = host;
  } else if (a === '--env') {
    const v = argv[++i];
    if (v === undefined || v.indexOf('=') <= 0) usage('--env needs NAME=VALUE');
    const eq = v.indexOf('=');
    env[v.slice(0, eq)] = v.slice(eq + 1);
  } else if (a === '--time-compile') {
    timeCompile = true;
  } else if (a === '--liftoff') {
    v8.setFlagsFromString('--liftoff');
    v8.setFlagsFromString('--no-wasm-tier-up');
    v8.setFlagsFromString('--no-wasm-dynamic-tiering');
  } else if (a === '--turbofan') {
    v8.setFlagsFromString('--no-liftoff');
  } else {
    usage(`unknown option ${a}`);
  }
}
if (i >= argv.length) usage('no wasm file given');
const wasmPath = argv[i];
const progArgs = argv.slice(i);

// Importing node:wasi emits an ExperimentalWarning on stderr; drop that one
// warning (and only that one) so that stderr carries the program's output.
const defaultWarningListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /WASI/.test(w.message)) return;
  for (const l of defaultWarningListeners) l(w);
});
const { WASI } = await import('node:wasi');

let bytes;
try {
  bytes = readFileSync(wasmPath);
} catch (e) {
  process.stderr.write(`node-wasi: ${wasmPath}: ${e.message}\n`);
  process.exit(2);
}

const wasi = new WASI({
  version: 'preview1',
  args: progArgs,
  env,
  preopens,
  returnOnExit: true,
});

const t0 = performance.now();
const module = new WebAssembly.Module(bytes);
const t1 = performance.now();
if (timeCompile)
  process.stderr.write(`node-wasi: compile ${(t1 - t0).toFixed(3)} ms\n`);

// Wrap each WASI function in a JS function (see the header comment).
const raw = wasi.getImportObject();
const imports = {};
for (const [ns, fns] of Object.entries(raw)) {
  imports[ns] = {};
  for (const [name, f] of Object.entries(fns)) {
    if (typeof f === 'function')
      imports[ns][name] = (...args) => f(...args);
    else
      imports[ns][name] = f;
  }
}

let instance;
try {
  instance = new WebAssembly.Instance(module, imports);
} catch (e) {
  process.stderr.write(`node-wasi: ${wasmPath}: instantiate: ${e.message}\n`);
  process.exit(2);
}

let code;
try {
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`node-wasi: ${wasmPath}: trap: ${e.message}\n`);
  process.exit(1);
}
process.exitCode = code ?? 0;
