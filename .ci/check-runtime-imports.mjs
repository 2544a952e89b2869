#!/usr/bin/env node
// Every package the built gateway imports must be a runtime dependency. One
// listed only in devDependencies works here and in the image for as long as
// another runtime package happens to need the same version (npm hoists it and
// `npm prune --omit=dev` keeps it), and fails the image at start once not.
//
//   node .ci/check-runtime-imports.mjs      after `npm run build`; exit 1 naming each such import
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
// What runs in production: the apps, their libraries and the launcher; not the benchmark.
const RUNTIME_DIRS = ['apps', 'libs', 'src'];
const SPECIFIER = /\b(?:from\s*|import\s*\(\s*|import\s+)['"]([^'"./][^'"]*)['"]/g;

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const runtime = new Set(Object.keys(manifest.dependencies ?? {}));
const builtins = new Set(builtinModules);

function* javascriptFiles(directory) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      yield* javascriptFiles(path);
    } else if (entry.name.endsWith('.js') && !entry.name.endsWith('.spec.js')) {
      yield path;
    }
  }
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const problems = [];
for (const directory of RUNTIME_DIRS) {
  for (const file of javascriptFiles(join(dist, directory))) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      if (specifier.startsWith('node:') || builtins.has(specifier)) {
        continue;
      }
      const name = packageOf(specifier);
      if (!runtime.has(name)) {
        problems.push(`${relative(root, file)} imports ${name}, which is not in dependencies`);
      }
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('every package the built gateway imports is a runtime dependency');
