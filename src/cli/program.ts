// How the user started pixelwise, so printed hints run as printed: `pixelwise` is on PATH only
// when installed globally; `npx pixelwise` in a project that depends on it; in this repository
// `node dist/src/cli/main.js`.
import { basename, isAbsolute, relative } from 'node:path';

/** The command line prefix that starts this pixelwise again from the current folder. */
export function programName(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.npm_command === 'exec') return 'npx pixelwise';
  const script = argv[1] ?? '';
  if (basename(script) === 'pixelwise') return script.includes('node_modules') ? 'npx pixelwise' : 'pixelwise';
  if (!script) return 'pixelwise';
  const rel = isAbsolute(script) ? relative(cwd, script) : script;
  return `node ${rel.includes(' ') ? JSON.stringify(rel) : rel}`;
}
