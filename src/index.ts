// The public surface of rx-background-tasks.

// Scheduler
export { Scheduler, TaskTimeoutError, TaskAbortedError } from './scheduler';
export type { SchedulerState, StopOptions } from './scheduler';
export type { Task } from './task';

// Triggers
export { periodicTrigger, PeriodicTrigger } from './triggers/periodic';
export type { PeriodicTriggerOptions } from './triggers/periodic';
export { eventTrigger, EventTrigger } from './triggers/event';
export type { EventSource } from './triggers/event';
export { oneTimeTrigger, OneTimeTrigger } from './triggers/oneTime';
export type { OneTimeTriggerOptions } from './triggers/oneTime';

// Cron maths
export { nextCronTime, parseCron } from './cron';
export type { ParsedCron } from './cron';

// Errors
export { SchedulerError, InvalidOptionError, UnknownTaskError, DuplicateTaskError } from './errors';
export type { SchedulerErrorCode } from './errors';

// Types
export type {
  Execution,
  ExecutionStatus,
  Fire,
  OverlapPolicy,
  RetryOptions,
  RunResult,
  SchedulerEvent,
  SchedulerEventType,
  SchedulerOptions,
  TaskContext,
  Logger,
  TaskOptions,
  Trigger,
  TriggerContext,
} from './types';

// Monitoring
export * from './monitor/index';

// Cluster coordination (the Redis implementation is the './redis' entry point)
export { InMemoryCoordinator, occurrenceKey, claimOccurrence, DEFAULT_KEY_PREFIX } from './cluster/coordinator';
export type { Coordinator, ClaimResult, ClaimRefusal, InMemoryCoordinatorOptions } from './cluster/coordinator';
export { nextAnchoredOccurrence } from './cluster/anchor';
