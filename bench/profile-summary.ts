/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top] [--skip=seconds]`: where the time of a `--cpu-prof` profile
 * went — self time per function and per package (node_modules/<pkg>, node: internals, our src).
 * `npm run bench -- --profile` writes profiles of the otpgate server to bench/results/profiles/.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
// --skip=S leaves out the first S seconds (module loading, schema compilation, warm-up), so the
// summary shows the steady state that the measured window saw.
const skipUs = Number(args.find((a) => a.startsWith('--skip='))?.slice('--skip='.length) ?? 0) * 1e6;
const [file, topArg] = args.filter((a) => !a.startsWith('--'));
if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top] [--skip=seconds]');
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
let elapsedUs = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  elapsedUs += delta;
  if (elapsedUs >= skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function pkg(url: string): string {
  if (!url) return '(native/gc/idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const src = /\/(dist|src)\/(.*)$/.exec(url);
  return src ? `otpgate ${src[2]!.split('/').slice(0, -1).join('/') || '.'}` : url;
}

const fn = new Map<string, number>();
const pk = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : ''}`;
  fn.set(name, (fn.get(name) ?? 0) + us);
  const p = functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(gc)' : pkg(url);
  pk.set(p, (pk.get(p) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nby package (self time)\n`);
for (const [k, v] of [...pk].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`${pct(v)}  ${k}\n`);
process.stdout.write(`\nby function (self time), top ${top}\n`);
for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(v)}  ${k}\n`);
