'use strict';
// Preloaded into every bench server (node --expose-gc --require …): on SIGUSR2,
// collect garbage and print "mem HEAP_USED EXTERNAL ARRAY_BUFFERS" (bytes) on stdout,
// so bench/run.js can report idle-connection memory from the JS heap next to RSS.
// (wasm memory is an ArrayBuffer: it shows in EXTERNAL / ARRAY_BUFFERS.)
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
  const m = process.memoryUsage();
  process.stdout.write(`mem ${m.heapUsed} ${m.external} ${m.arrayBuffers}\n`);
});
