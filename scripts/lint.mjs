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
// The direction of dependencies, one rule per layer: what each folder of src may import.
const LAYERS = [
  { dir: join('src', 'core'), allowed: /^(\.\/|zod$|jose$|@noble\/hashes\/)/, says: 'only its own modules, zod, jose and @noble/hashes' },
  { dir: join('src', 'adapters'), allowed: /^(\.\/|bankcore$|mongodb$|better-sqlite3$|node:)/, says: "only 'bankcore' (the core), its own folder, its driver and node:*" },
  { dir: join('src', 'wire'), allowed: /^(\.\/|bankcore$|zod$)/, says: "only 'bankcore' and zod" },
  { dir: join('src', 'http'), allowed: /^(\.\/|\.\.\/wire\/|bankcore$|zod$)/, says: "only 'bankcore', the wire schemas and zod (no node:* module: it runs on Workers, Deno and Bun)" },
  { dir: join('src', 'webhooks'), allowed: /^(\.\/|bankcore$|@noble\/hashes\/)/, says: "only 'bankcore' and @noble/hashes (it runs wherever fetch does)" },
  { dir: join('src', 'client'), allowed: /^(\.\/|\.\.\/wire\/|bankcore$|zod$)/, says: "only 'bankcore', the wire schemas and zod" },
];
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
    const layer = LAYERS.find((l) => file.startsWith(l.dir));
    const spec = /^\s*(?:import|export)\b[^'"]*from\s+['"]([^'"]+)['"]/.exec(line)?.[1];
    if (layer && spec && !layer.allowed.test(spec)) problems.push(`${at}: ${layer.dir} may import ${layer.says} (found '${spec}')`);
  });
}
for (const p of problems) console.error(p);
console.log(`lint: ${files.length} files, ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
