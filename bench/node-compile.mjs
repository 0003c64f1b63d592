// node-compile.mjs — times V8's compilation of a module inside node:
// `new WebAssembly.Module(bytes)`, median of RUNS. Run it with
// --liftoff --no-wasm-tier-up --no-wasm-dynamic-tiering for V8's baseline.
// usage: node [flags] node-compile.mjs FILE [RUNS]
import { readFileSync } from 'node:fs';
const bytes = readFileSync(process.argv[2]);
const runs = Number(process.argv[3] ?? 9);
const t = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  new WebAssembly.Module(bytes);
  t.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
t.sort((a, b) => a - b);
console.log(`node compile: median of ${runs} ${t[runs >> 1].toFixed(1)} ms`);
