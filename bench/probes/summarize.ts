import { readFileSync } from 'node:fs';

/*
 * Reads what cpu-profile.js and allocation-profile.js wrote and prints it
 * per request: self time (µs) or allocation (bytes) by package (a
 * node_modules package, one of our libs, or Node's own modules) and by
 * function. `under=<regex>` keeps only what runs beneath a frame whose URL
 * or function name matches: `under='axios/lib/core/Axios.js request'` is
 * everything one axios request costs, inclusive.
 *
 * `node dist/bench/probes/summarize.js cpu|alloc <file> [under=<regex>] [top=40]`
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
  requests?: number;
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

interface HeapProfile {
  head: HeapNode;
  requests?: number;
}

/** Which package a frame's code belongs to, for the first table. */
function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    return functionName === '' ? '(native)' : functionName;
  }
  const dependency = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency !== null) {
    return dependency[1];
  }
  const ours = /\/dist\/((libs|apps)\/[^/]+)/.exec(url);
  if (ours !== null) {
    return ours[1];
  }
  return url.startsWith('node:') ? `node:${url.slice(5).split('/')[0]}` : url;
}

function frameName({ functionName, url, lineNumber }: CallFrame): string {
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
}

function add(totals: Map<string, number>, key: string, amount: number): void {
  totals.set(key, (totals.get(key) ?? 0) + amount);
}

function print(
  title: string,
  totals: Map<string, number>,
  requests: number,
  unit: string,
  top: number,
): void {
  console.log(`\n${title}`);
  for (const [key, amount] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(amount / requests).toFixed(2).padStart(10)} ${unit}  ${key}`);
  }
}

function matches(pattern: RegExp | undefined, frame: CallFrame): boolean {
  return pattern === undefined || pattern.test(`${frame.url} ${frame.functionName}`);
}

function summarizeCpu(profile: CpuProfile, under: RegExp | undefined, top: number): void {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parents.set(child, node.id);
    }
  }
  const isUnder = (id: number): boolean => {
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
      const node = nodes.get(current);
      if (node !== undefined && matches(under, node.callFrame)) {
        return true;
      }
    }
    return false;
  };
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    if (node === undefined || node.callFrame.functionName === '(idle)' || !isUnder(id)) {
      return;
    }
    const micros = profile.timeDeltas[index] ?? 0;
    add(byPackage, packageOf(node.callFrame), micros);
    add(byFunction, frameName(node.callFrame), micros);
  });
  const requests = Math.max(1, profile.requests ?? 1);
  const busy = [...byPackage.values()].reduce((sum, micros) => sum + micros, 0);
  console.log(`${requests} requests; ${(busy / requests).toFixed(1)} µs busy per request`);
  print('Self time by package', byPackage, requests, 'µs', top);
  print('Self time by function', byFunction, requests, 'µs', top);
}

function summarizeAllocations(profile: HeapProfile, under: RegExp | undefined, top: number): void {
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const visit = (node: HeapNode, inside: boolean, callerPackage: string): void => {
    const within = inside || matches(under, node.callFrame);
    const ownPackage = node.callFrame.url === '' ? callerPackage : packageOf(node.callFrame);
    if (within && node.selfSize > 0) {
      add(byPackage, ownPackage, node.selfSize);
      add(byFunction, frameName(node.callFrame), node.selfSize);
    }
    for (const child of node.children) {
      visit(child, within, ownPackage);
    }
  };
  visit(profile.head, under === undefined, '(root)');
  const requests = Math.max(1, profile.requests ?? 1);
  const total = [...byPackage.values()].reduce((sum, bytes) => sum + bytes, 0);
  console.log(`${requests} requests; ${(total / requests / 1024).toFixed(1)} KB allocated per request`);
  print('Allocated by package', byPackage, requests, 'B', top);
  print('Allocated by function', byFunction, requests, 'B', top);
}

function main(argv: string[]): void {
  const [kind, file, ...options] = argv;
  const option = (name: string): string | undefined =>
    options.find((value) => value.startsWith(`${name}=`))?.slice(name.length + 1);
  const underText = option('under');
  const under = underText === undefined ? undefined : new RegExp(underText);
  const top = Number(option('top') ?? 40);
  if (file === undefined || (kind !== 'cpu' && kind !== 'alloc')) {
    console.error('usage: summarize.js cpu|alloc <file> [under=<regex>] [top=40]');
    process.exitCode = 2;
    return;
  }
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (kind === 'cpu') {
    summarizeCpu(data as CpuProfile, under, top);
  } else {
    summarizeAllocations(data as HeapProfile, under, top);
  }
}

main(process.argv.slice(2));
