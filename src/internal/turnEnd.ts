/** Work deferred to the end of the current macrotask: see {@link atTurnEnd}. @internal */
export interface TurnEndWork {
  runAtTurnEnd(): void;
}

const waiting: TurnEndWork[] = [];
let scheduled = false;

/**
 * Runs `work.runAtTurnEnd()` once the current macrotask is over, in one `setImmediate` shared by
 * everything deferred in the same turn; where there is no `setImmediate`, at once. For the
 * bookkeeping of a run that no run needs yet — statistics, history, a history's next, larger
 * array — so that a burst of runs (500 tasks ticking together) is not slowed by the bookkeeping
 * of the runs before it. Queue a piece of work once (keep a flag): it is called once per call here.
 *
 * Not unref'd: an unref'd immediate does not keep the event loop from blocking in its poll phase,
 * so it would run only when the next timer wakes the loop — just before that timer's callbacks,
 * delaying them by the very work deferred here. A ref'd one runs in this turn.
 * @internal
 */
export function atTurnEnd(work: TurnEndWork): void {
  if (typeof setImmediate !== 'function') return work.runAtTurnEnd();
  waiting.push(work);
  if (scheduled) return;
  scheduled = true;
  setImmediate(runWaiting);
}

function runWaiting(): void {
  // Work deferred by the work run here (a history that fills while the run log is applied) runs in
  // this same immediate; the list is emptied even if a piece of work throws.
  try {
    for (let i = 0; i < waiting.length; i++) waiting[i].runAtTurnEnd();
  } finally {
    waiting.length = 0;
    scheduled = false;
  }
}
