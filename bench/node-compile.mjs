// node-compile.mjs — times V8's compilation of a module inside node:
// `new WebAssembly.Module(bytes)`, median of RUNS. Run it with
// --liftoff --no-wasm-tier-up --no-wasm-dynamic-tiering for V8's baseline.
// usage: node [flags] node-compile.mjs FILE [RUNS]
//
// V8 keeps compiled modules in a cache keyed by the module's bytes, so a
// second `new WebAssembly.Module` of the same bytes takes well under a
// millisecond. Each run therefore compiles a copy that differs in one
// trailing custom section ("bench", 4 bytes: the run number), which V8
// ignores but which makes every copy a cache miss.
import { readFileSync } from 'node:fs';
const orig = readFileSync(process.argv[2]);
const runs = Number(process.argv[3] ?? 9);
// custom section: id 0, size 10, name length 5, "bench", u32 run number
const bytes = new Uint8Array(orig.length + 12);
bytes.set(orig);
bytes.set([0, 10, 5, 0x62, 0x65, 0x6e, 0x63, 0x68], orig.length);
const tag = new DataView(bytes.buffer, orig.length + 8, 4);
const t = [];
for (let i = 0; i < runs; i++) {
  tag.setUint32(0, i, true);
  const t0 = process.hrtime.bigint();
  new WebAssembly.Module(bytes);
  t.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
t.sort((a, b) => a - b);
console.log(`node compile: median of ${runs} ${t[runs >> 1].toFixed(1)} ms`);
