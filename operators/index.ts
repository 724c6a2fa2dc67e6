/**
 * The library's own RxJS operators, each usable on its own:
 * `import { priorityMergeMap } from 'rx-background-tasks/operators'`.
 */

// Merging with a concurrency limit
export { priorityMergeMap } from './priorityMergeMap';
export { overlapMap, type OverlapMapOptions } from './overlapMap';
export type { DropReason } from './internal/priorityMergeInternals';

// Gating
export { pausable, type PausableOptions } from './pausable';

// Failure handling
export { retryBackoff, type RetryBackoffOptions } from './retryBackoff';

// Time
export { longTimer, LONG_TIMER_CHUNK_MS } from './longTimer';
