// Dataset errors carry what went wrong and which file, so checkDataset can sort and list
// them instead of stopping at the first.
import type { DatasetProblem, ProblemKind } from './types.js';

/** An Error whose message starts with the file it concerns. */
export class DataError extends Error {
  readonly kind: ProblemKind;
  readonly file: string;

  constructor(kind: ProblemKind, file: string, what: string) {
    super(`${file}: ${what}`);
    this.name = 'DataError';
    this.kind = kind;
    this.file = file;
  }

  /** As a problem record for reports. */
  toProblem(): DatasetProblem {
    return { kind: this.kind, file: this.file, message: this.message };
  }
}

/** Any thrown value as a problem record (non-DataErrors count as unreadable files). */
export function problemOf(error: unknown, file: string): DatasetProblem {
  if (error instanceof DataError) return error.toProblem();
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'unreadable', file, message: message.startsWith(file) ? message : `${file}: ${message}` };
}

/** Throws one error listing the problems of a strict open (the first few in full). */
export function throwProblems(what: string, problems: readonly DatasetProblem[]): void {
  if (problems.length === 0) return;
  const shown = problems.slice(0, 5).map((p) => `  ${p.message}`);
  const more = problems.length > 5 ? `\n  ... and ${problems.length - 5} more (run checkDataset / \`pixelwise data check\` for the full list)` : '';
  if (problems.length === 1) {
    const p = problems[0]!;
    throw new DataError(p.kind, p.file, p.message.startsWith(p.file + ': ') ? p.message.slice(p.file.length + 2) : p.message);
  }
  const first = problems[0]!;
  const error = new DataError(first.kind, first.file, '');
  error.message = `${what}: ${problems.length} problems\n${shown.join('\n')}${more}`;
  throw error;
}
