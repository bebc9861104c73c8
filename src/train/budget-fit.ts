// Fitting a run's length to its time budget (--fit-budget): after each epoch the run plans the
// epochs that fit at the speed measured so far, and its lr schedule is stretched over them, so
// poly or cosine reach their end as the budget does — instead of the budget cutting the run at
// a high lr, or the run ending with half the budget unused.

export interface BudgetSoFar {
  /** Epochs completed in all (earlier sessions of a resumed run included). */
  done: number;
  /** Epochs completed in this session, and the seconds they took (training, validation, saving). */
  sessionEpochs: number;
  elapsed: number;
  /** This session's budget in seconds. */
  budget: number;
  /** The most epochs the run may plan (--epochs). */
  cap: number;
}

/**
 * The run's length in epochs: those done plus the whole epochs that fit in the rest of the
 * budget, rounded (a last epoch the budget cuts short loses only the schedule's tail, where the
 * lr is near its end), at most `cap`.
 */
export function epochsInBudget(o: BudgetSoFar): number {
  if (o.sessionEpochs <= 0) return o.cap;
  const perEpoch = o.elapsed / o.sessionEpochs;
  const more = perEpoch > 0 ? Math.max(0, Math.round((o.budget - o.elapsed) / perEpoch)) : Infinity;
  return Math.min(o.cap, o.done + more);
}
