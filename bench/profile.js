#!/usr/bin/env node
'use strict';
// Where does the server's time go? Runs one bench server pinned to core 0 under a
// profiler while h2load (core 1) drives one scenario, then prints a summary.
//
//   node bench/profile.js [--server h2wasm|node|h2wasm-fetch] [--scenario small|onecon|big|upload]
//                         [--duration S] [--perf] [--out DIR]
//   node bench/profile.js --summarize FILE.cpuprofile      (summary of an existing profile)
//
// Default: V8 sampling profiler (node --cpu-prof, 100 µs interval); the summary gives
// self time by category (our JS, wasm, node:http2, net/streams, GC, ...) and the top
// functions. With --perf: `perf record` of the same run (node --perf-basic-prof so JIT
// and wasm frames have names), summarised by `perf report`; this also sees time in
// the kernel (socket syscalls) and in V8's C++ (GC, runtime calls).
// Output goes to stdout and to bench/results/profile-<server>-<scenario>[-perf].txt.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const ROOT = path.resolve(__dirname, '..');

function parseArgs(argv) {
  const o = { server: 'h2wasm', scenario: 'small', duration: 5, perf: false, out: path.join(__dirname, 'results'), summarize: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--server') o.server = v();
    else if (a === '--scenario') o.scenario = v();
    else if (a === '--duration') o.duration = Number(v());
    else if (a === '--perf') o.perf = true;
    else if (a === '--out') o.out = path.resolve(v());
    else if (a === '--summarize') o.summarize = v();
    else { console.error(`unknown option ${a}`); process.exit(2); }
  }
  return o;
}

const SCEN = {
  small: { path: '/', args: ['-c', '10', '-m', '100'] },
  onecon: { path: '/', args: ['-c', '1', '-m', '100'] },
  big: { path: '/big', args: ['-c', '4', '-m', '10'] },
  upload: { path: '/echo', args: ['-c', '4', '-m', '10', '-d', null] },
};

// ---------- .cpuprofile summary ----------
function category(cf) {
  const url = cf.url || '';
  const name = cf.functionName || '';
  if (!url) {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(program)') return 'V8/native (program)';
    if (name === '(idle)') return 'idle';
    if (name === '(root)') return 'root';
    return `native: ${name || '(anonymous)'}`;
  }
  if (url.startsWith('wasm://')) return 'wasm';
  if (url.includes('/js/')) return `our JS: ${path.basename(url)}`;
  if (url.includes('/bench/servers/')) return 'bench app handler';
  if (/internal\/http2/.test(url)) return 'node:http2';
  if (/internal\/(streams|stream_base_commons)|node:net|internal\/net/.test(url)) return 'node: net/streams';
  if (/timers/.test(url)) return 'node: timers';
  if (/^node:/.test(url)) return `node: ${url.replace(/^node:(internal\/)?/, '')}`;
  return path.basename(url);
}

function summarizeProfile(file) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // timeDeltas[i] is the time before sample i; attribute it to sample i's node.
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    selfUs.set(id, (selfUs.get(id) || 0) + (prof.timeDeltas[i] || 0));
  }
  let total = 0;
  let idle = 0;
  const cats = new Map();
  const funcs = new Map();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const cat = category(cf);
    if (cat === 'idle') { idle += us; continue; }
    total += us;
    cats.set(cat, (cats.get(cat) || 0) + us);
    const key = `${cf.functionName || '(anonymous)'}  ${cf.url ? `${cf.url.replace(/^.*\/(js|bench|wasm:)\//, '$1/')}:${cf.lineNumber + 1}` : ''}`;
    funcs.set(key, (funcs.get(key) || 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [];
  lines.push(`profile ${path.basename(file)}: ${(total / 1e3).toFixed(0)} ms busy, ${(idle / 1e3).toFixed(0)} ms idle`);
  lines.push('');
  lines.push('self time by category:');
  let rest = 0;
  for (const [c, us] of [...cats].sort((a, b) => b[1] - a[1])) {
    if (us / total >= 0.003) lines.push(`  ${pct(us)}  ${c}`);
    else rest += us;
  }
  lines.push(`  ${pct(rest)}  (everything under 0.3 % each)`);
  lines.push('');
  lines.push('top 30 functions by self time:');
  for (const [f, us] of [...funcs].sort((a, b) => b[1] - a[1]).slice(0, 30)) lines.push(`  ${pct(us)}  ${f}`);
  return lines.join('\n');
}

// ---------- run ----------
function startServer(script, nodeArgs, wrap) {
  const argv = [...wrap, process.execPath, ...nodeArgs, script, '0'];
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('server did not start')); }, 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) { clearTimeout(t); resolve({ child, port: Number(m[1]) }); }
    });
    child.on('exit', (c) => { clearTimeout(t); reject(new Error(`server exited ${c}`)); });
  });
}

function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('exit', () => { clearTimeout(t); resolve(out); });
  });
}

function stop(child, sig = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.on('exit', () => { clearTimeout(t); resolve(); });
    child.kill(sig);
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.summarize) { console.log(summarizeProfile(o.summarize)); return; }
  const sc = SCEN[o.scenario];
  if (!sc) throw new Error(`unknown scenario ${o.scenario}`);
  const script = path.join(__dirname, 'servers', `${o.server}.js`);
  let upload = null;
  if (o.scenario === 'upload') {
    upload = path.join(os.tmpdir(), `h2wasm-prof-64k-${process.pid}.bin`);
    fs.writeFileSync(upload, Buffer.alloc(65536, 0x62));
    sc.args[sc.args.indexOf(null)] = upload;
  }
  fs.mkdirSync(o.out, { recursive: true });
  const tag = `${o.server}-${o.scenario}${o.perf ? '-perf' : ''}`;
  const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-prof-'));
  const nodeArgs = o.perf ? ['--perf-basic-prof-only-functions', '--interpreted-frames-native-stack']
    : ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', profDir];
  const srv = await startServer(script, nodeArgs, ['taskset', '-c', '0']);
  const url = `http://127.0.0.1:${srv.port}${sc.path}`;
  // Warm-up outside the perf window (the V8 profile includes it; it is short).
  await run('taskset', ['-c', '1', 'h2load', '-D', '1', ...sc.args, url], 40000);
  let perfChild = null;
  const perfData = path.join(profDir, 'perf.data');
  if (o.perf) {
    perfChild = spawn('perf', ['record', '-F', '1999', '-g', '-p', String(srv.child.pid), '-o', perfData], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
  }
  const h = await run('taskset', ['-c', '1', 'h2load', '-D', String(o.duration), ...sc.args, url], (o.duration + 30) * 1000);
  const headline = (h.match(/finished in .*/) || ['h2load: no result'])[0];
  let text = `${tag}: ${headline}\n${(h.match(/requests: .*/) || [''])[0]}\n\n`;
  if (perfChild) {
    await stop(perfChild, 'SIGINT');
    await stop(srv.child);
    const rep = execFileSync('perf', ['report', '-i', perfData, '--stdio', '--no-children', '--sort', 'dso,sym',
      '--percent-limit', '0.7'], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const dso = execFileSync('perf', ['report', '-i', perfData, '--stdio', '--no-children', '--sort', 'dso'],
      { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const keep = (s) => s.split('\n').filter((l) => /^\s+\d/.test(l)).join('\n');
    fs.rmSync(`/tmp/perf-${srv.child.pid}.map`, { force: true }); // written by --perf-basic-prof
    text += `perf, by shared object:\n${keep(dso)}\n\nperf, by symbol (≥ 0.7 %):\n${keep(rep)}\n`;
  } else {
    await stop(srv.child);
    const files = fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    if (!files.length) throw new Error('no .cpuprofile written');
    const dest = path.join(o.out, `${tag}.cpuprofile`);
    fs.copyFileSync(path.join(profDir, files[0]), dest);
    text += summarizeProfile(dest) + '\n';
    text += `\n(full profile: ${path.relative(ROOT, dest)}; open it in Chrome DevTools → Performance)\n`;
  }
  fs.rmSync(profDir, { recursive: true, force: true });
  if (upload) fs.rmSync(upload, { force: true });
  const outFile = path.join(o.out, `profile-${tag}.txt`);
  fs.writeFileSync(outFile, text);
  console.log(text);
  console.log(`wrote ${path.relative(ROOT, outFile)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
