// node-run.mjs — runs a wasm32-wasi module under node:wasi, the reference
// the WASI tests cross-check their expected outputs against.
//
//   node tests/wasi/node-run.mjs [--dir HOST[::GUEST]]... [--env K=V]... MODULE [ARGS...]
//
// --dir-ro is accepted and treated as --dir (node has no read-only
// preopens). argv[0] is MODULE as written; the exit status is the module's.
// Every import is wrapped in a plain JS function (node 20 can abort inside
// fd_write on heavy output when the WASI imports are used directly).
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let i = 0;
for (; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') { i++; break; }
  if (a === '--dir' || a === '--dir-ro') {
    const v = argv[++i];
    const sep = v.indexOf('::');
    preopens[sep < 0 ? v : v.slice(sep + 2)] = sep < 0 ? v : v.slice(0, sep);
  } else if (a === '--env') {
    const v = argv[++i];
    const eq = v.indexOf('=');
    env[v.slice(0, eq)] = v.slice(eq + 1);
  } else break;
}
const module = argv[i];
const wasi = new WASI({ version: 'preview1', args: argv.slice(i), env, preopens,
                        returnOnExit: true });
const mod = new WebAssembly.Module(readFileSync(module));
const raw = wasi.getImportObject().wasi_snapshot_preview1;
const wrapped = {};
for (const [k, f] of Object.entries(raw)) wrapped[k] = (...a) => f(...a);
let inst;
try {
  inst = new WebAssembly.Instance(mod, { wasi_snapshot_preview1: wrapped });
} catch (e) {
  process.stderr.write(`node-run: ${e.message}\n`);
  process.exit(126);
}
try {
  process.exitCode = wasi.start(inst) & 0xff;
} catch (e) {
  process.stderr.write(`node-run: ${e.message}\n`);
  process.exitCode = 134;
}
