// Project rules the type checker does not enforce. Prints each violation and exits 1 if there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src', 'test', 'examples', 'bench', 'scripts'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'results') continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(ts|mts|mjs|js|py)$/.test(name)) files.push(path);
  }
};
for (const root of roots) {
  try {
    walk(root);
  } catch {
    // A root that does not exist yet has nothing to lint.
  }
}

const problems = [];
const CORE_IMPORTS = /^(\.{1,2}\/|zod$|jose$|@noble\/hashes\/)/;
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.length > 400) problems.push(`${file}: ${lines.length} lines (limit 400): split it`);
  lines.forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    if (/\b(it|test|describe)\.only\(/.test(line)) problems.push(`${at}: focused test (.only)`);
    // Matches `: any`, `as any` and `<any>` with no comment on the line or the one before.
    if (/(:\s*any\b|\bas any\b|<any>)/.test(line) && !/\/\/|\/\*/.test(line) && !/\/\/|\/\*/.test(lines[i - 1] ?? '')) {
      problems.push(`${at}: \`any\` without a comment saying why`);
    }
    if (file.startsWith(join('src', 'core'))) {
      const spec = /^\s*(?:import|export)\b[^'"]*from\s+['"]([^'"]+)['"]/.exec(line)?.[1];
      if (spec && (!CORE_IMPORTS.test(spec) || spec.includes('/http') || spec.includes('/adapters'))) {
        problems.push(`${at}: src/core may import only its own modules, zod, jose and @noble/hashes (found '${spec}')`);
      }
    }
  });
}
for (const p of problems) console.error(p);
console.log(`lint: ${files.length} files, ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
