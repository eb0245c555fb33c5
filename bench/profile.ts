/**
 * Summarises `.cpuprofile` files (from `node --cpu-prof`): the functions with the most self
 * time, and self time per package or source directory.
 * `npx tsx bench/profile.ts bench/out/CPU.*.cpuprofile [--top 25]`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function summarise(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
    const where = url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    byArea.set(area(url, functionName), (byArea.get(area(url, functionName)) ?? 0) + micros);
  }
  const pct = (micros: number) => `${((micros / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${file}: ${(total / 1e6).toFixed(2)} s sampled`);
  console.log('\nBy area:');
  for (const [name, micros] of sorted(byArea).slice(0, top)) console.log(`${pct(micros)}  ${name}`);
  console.log('\nBy function (self time):');
  for (const [name, micros] of sorted(byFunction).slice(0, top)) {
    console.log(`${pct(micros)}  ${name}`);
  }
}

function area(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1] as string;
  if (url.startsWith('node:')) return url;
  const source = /\/(src|bench)\/(.*)\/[^/]+$/.exec(url) ?? /\/(src|bench)\/([^/]+)$/.exec(url);
  return source ? `${source[1]}/${source[2]}` : url;
}

const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' } },
  allowPositionals: true,
});
for (const file of positionals) summarise(file, Number(values.top));
