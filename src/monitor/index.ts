/**
 * Monitoring building blocks: per-task statistics, resource sampling and limits, CPU attribution,
 * a text status table, an SVG timeline and OpenTelemetry hooks. Each works on its own; the
 * scheduler wires them together (`scheduler.stats()`, `resourceLimits`, `monitor: { cpu: true }`).
 *
 * Nothing here loads `@opentelemetry/api`: see {@link loadOtel}.
 */

// Distributions and rates
export { Distribution, EMPTY_DISTRIBUTION } from './distribution';
export type { DistributionOptions, DistributionSnapshot } from './distribution';
export { RateMeter } from './rateMeter';
export type { RateMeterOptions } from './rateMeter';

// Per-task statistics and snapshot types
export { TASK_DISTRIBUTION_OPTIONS, TaskStats, taskState } from './taskStats';
export type {
  EventLoopDelaySnapshot,
  SchedulerStatsSnapshot,
  TaskInfo,
  TaskState,
  TaskStateFields,
  TaskStatsSnapshot,
} from './taskStats';

// Resource sampling and limits
export { NodeResourceSampler, exceededLimits, validateResourceLimits } from './resourceSampler';
export type {
  NodeResourceSamplerOptions,
  ResourceLimitName,
  ResourceLimits,
  ResourceSample,
  ResourceSampler,
} from './resourceSampler';

// CPU attribution
export { CpuTracker } from './cpu';
export type { CpuAccount, CpuTrackerOptions } from './cpu';

// Rendering
export { renderTimeline, TIMELINE_COLORS } from './timeline';
export type { TimelineExecution, TimelineOptions } from './timeline';
export { renderStatusTable } from './statusTable';
export type { StatusTableOptions } from './statusTable';

// OpenTelemetry
export { createOtelInstrumentation, loadOtel } from './otel';
export type {
  OtelApi,
  OtelAttemptEndInfo,
  OtelAttemptHandle,
  OtelAttemptStartInfo,
  OtelAttributes,
  OtelCounterLike,
  OtelHistogramLike,
  OtelInstrumentation,
  OtelInstrumentationOptions,
  OtelMeterLike,
  OtelMeterProviderLike,
  OtelSpanLike,
  OtelTaskInfo,
  OtelTracerLike,
  OtelTracerProviderLike,
} from './otel';
