/**
 * OpenTelemetry integration, loaded only when used. This file never imports `@opentelemetry/api`
 * statically: the API module is injected ({@link createOtelInstrumentation}) or loaded on demand
 * ({@link loadOtel}), so without the optional peer dependency nothing breaks and nothing is loaded.
 * The `Otel…Like` types below are the small structural subset of the API this file uses; the real
 * `@opentelemetry/api` module satisfies them, and declaring them here keeps the published type
 * declarations free of a hard dependency on the package.
 */
import type { ExecutionStatus } from '../types';

/** Attribute values as OpenTelemetry accepts them. */
export type OtelAttributes = Record<string, string | number | boolean | undefined>;

/** The part of an OpenTelemetry `Span` used here. */
export interface OtelSpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  recordException(exception: Error | string): void;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` used here. */
export interface OtelTracerLike {
  startSpan(name: string, options?: { attributes?: OtelAttributes; kind?: number }): OtelSpanLike;
}

/** The part of an OpenTelemetry `Counter` used here. */
export interface OtelCounterLike {
  add(value: number, attributes?: OtelAttributes): void;
}

/** The part of an OpenTelemetry `Histogram` used here. */
export interface OtelHistogramLike {
  record(value: number, attributes?: OtelAttributes): void;
}

/** The part of an OpenTelemetry `Meter` used here. */
export interface OtelMeterLike {
  createCounter(name: string, options?: { description?: string; unit?: string }): OtelCounterLike;
  createHistogram(name: string, options?: { description?: string; unit?: string }): OtelHistogramLike;
}

/** Anything with `getTracer` — the global `api.trace` or an SDK `TracerProvider`. */
export interface OtelTracerProviderLike {
  getTracer(name: string, version?: string): OtelTracerLike;
}

/** Anything with `getMeter` — the global `api.metrics` or an SDK `MeterProvider`. */
export interface OtelMeterProviderLike {
  getMeter(name: string, version?: string): OtelMeterLike;
}

/** The part of the `@opentelemetry/api` module used here (pass the module itself). */
export interface OtelApi {
  readonly trace: OtelTracerProviderLike & {
    /** Used by {@link OtelInstrumentation.withSpan} to make the attempt's span active. */
    setSpan?(context: unknown, span: never): unknown;
  };
  readonly metrics: OtelMeterProviderLike;
  readonly context?: {
    active(): unknown;
    with<R>(context: never, fn: () => R): R;
  };
  readonly SpanStatusCode: { readonly ERROR: number };
  readonly SpanKind?: { readonly INTERNAL: number };
}

/** Options of {@link createOtelInstrumentation}. */
export interface OtelInstrumentationOptions {
  /** Where spans go. @default `api.trace` (the globally registered provider) */
  readonly tracerProvider?: OtelTracerProviderLike;
  /** Where metrics go. @default `api.metrics` (the globally registered provider) */
  readonly meterProvider?: OtelMeterProviderLike;
  /** Instrumentation scope name of the tracer and the meter. @default 'rx-background-tasks' */
  readonly name?: string;
  /** Instrumentation scope version. @default undefined */
  readonly version?: string;
}

/** A task as the instrumentation sees it. */
export interface OtelTaskInfo {
  readonly taskId: string;
  readonly taskName: string;
  readonly priority: number;
}

/** What {@link OtelInstrumentation.onAttemptStart} needs. */
export interface OtelAttemptStartInfo extends OtelTaskInfo {
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** The `kind` of the trigger whose fire started the run ('periodic', 'event', 'one-time', 'manual', …). */
  readonly triggerKind: string;
  /** Fire → start, ms; recorded in the `task.wait` histogram for first attempts. */
  readonly waitMs?: number;
}

/** What {@link OtelInstrumentation.onAttemptEnd} needs. */
export interface OtelAttemptEndInfo {
  readonly status: ExecutionStatus;
  /** The error of an attempt that did not succeed. */
  readonly error?: unknown;
  /** Start → end, ms (scheduler clock). */
  readonly durationMs: number;
}

/** The span of one attempt, returned by `onAttemptStart` and handed back to `onAttemptEnd`. */
export interface OtelAttemptHandle {
  readonly span: OtelSpanLike;
  /** `task.id` and `task.name`: the attributes of the task's metric points. */
  readonly metricAttributes: OtelAttributes;
}

/**
 * Hooks the scheduler calls around attempts and fires. Spans: one `task.run` span per attempt
 * with `task.id`, `task.name`, `task.priority`, `task.attempt`, `trigger.kind` and, at the end,
 * `task.status`; an attempt that does not succeed records its exception and sets status ERROR
 * (a success leaves status UNSET, as the OpenTelemetry guidelines ask of instrumentation).
 * Metrics, all with `task.id` and `task.name`: counters `task.runs`, `task.failures` (+ `task.status`),
 * `task.retries`, `task.fires.skipped`, `task.fires.dropped`, `task.fires.coalesced`; histograms
 * `task.duration` (+ `task.status`) and `task.wait`, in ms.
 */
export interface OtelInstrumentation {
  /** An attempt starts: opens its span, counts a run, records the wait of a first attempt. */
  onAttemptStart(info: OtelAttemptStartInfo): OtelAttemptHandle;
  /** The attempt ended: closes its span, records its duration and counts a failure. */
  onAttemptEnd(handle: OtelAttemptHandle, info: OtelAttemptEndInfo): void;
  /** Runs `fn` with the attempt's span active, so spans the task creates become its children. */
  withSpan<T>(handle: OtelAttemptHandle, fn: () => T): T;
  /** A retry was scheduled. */
  onRetryScheduled(task: OtelTaskInfo): void;
  /** A fire was dropped by the `'skip'` policy. */
  onSkipped(task: OtelTaskInfo): void;
  /** A fire was dropped (`maxPending`, `stop()`). */
  onDropped(task: OtelTaskInfo): void;
  /** A fire was merged into a waiting one (`'buffer-one'`). */
  onCoalesced(task: OtelTaskInfo): void;
}

const DEFAULT_NAME = 'rx-background-tasks';

/**
 * Builds the OpenTelemetry hooks from an injected `@opentelemetry/api` module (works the same from
 * ESM and CommonJS, and keeps the package optional). Instruments are created once, here.
 *
 * Metric attributes carry `task.id` and `task.name`, one series per task: fine for tens or
 * hundreds of tasks; with many thousands, drop `task.id` with a View in your MeterProvider.
 *
 * @example
 * ```ts
 * import * as api from '@opentelemetry/api';
 * const otel = createOtelInstrumentation(api);
 * const handle = otel.onAttemptStart({ taskId: 'hb', taskName: 'heartbeat', priority: 0, attempt: 1, triggerKind: 'periodic', waitMs: 2 });
 * try { await otel.withSpan(handle, () => sendHeartbeat()); otel.onAttemptEnd(handle, { status: 'succeeded', durationMs: 12 }); }
 * catch (error) { otel.onAttemptEnd(handle, { status: 'failed', error, durationMs: 12 }); }
 * ```
 * @see loadOtel to load the API only when it is installed.
 */
export function createOtelInstrumentation(api: OtelApi, options: OtelInstrumentationOptions = {}): OtelInstrumentation {
  const name = options.name ?? DEFAULT_NAME;
  const tracer = (options.tracerProvider ?? api.trace).getTracer(name, options.version);
  const meter = (options.meterProvider ?? api.metrics).getMeter(name, options.version);
  const ERROR = api.SpanStatusCode.ERROR;
  const INTERNAL = api.SpanKind?.INTERNAL ?? 0;

  const runs = meter.createCounter('task.runs', { description: 'Attempts started, retries included', unit: '{attempt}' });
  const failures = meter.createCounter('task.failures', { description: 'Attempts that failed, timed out or were aborted', unit: '{attempt}' });
  const retries = meter.createCounter('task.retries', { description: 'Retries scheduled', unit: '{retry}' });
  const skipped = meter.createCounter('task.fires.skipped', { description: "Fires dropped by the 'skip' overlap policy", unit: '{fire}' });
  const dropped = meter.createCounter('task.fires.dropped', { description: 'Fires dropped by maxPending or stop()', unit: '{fire}' });
  const coalesced = meter.createCounter('task.fires.coalesced', { description: "Fires merged by the 'buffer-one' policy", unit: '{fire}' });
  const duration = meter.createHistogram('task.duration', { description: 'Attempt duration, start to end', unit: 'ms' });
  const wait = meter.createHistogram('task.wait', { description: 'Wait of a run from its fire to its first attempt', unit: 'ms' });

  const taskAttributes = (task: OtelTaskInfo): OtelAttributes => ({ 'task.id': task.taskId, 'task.name': task.taskName });

  return {
    onAttemptStart(info) {
      const span = tracer.startSpan('task.run', {
        kind: INTERNAL,
        attributes: {
          'task.id': info.taskId,
          'task.name': info.taskName,
          'task.priority': info.priority,
          'task.attempt': info.attempt,
          'trigger.kind': info.triggerKind,
        },
      });
      const metricAttributes = taskAttributes(info);
      runs.add(1, metricAttributes);
      if (info.attempt === 1 && info.waitMs !== undefined && info.waitMs >= 0) wait.record(info.waitMs, metricAttributes);
      return { span, metricAttributes };
    },

    onAttemptEnd(handle, info) {
      const { span, metricAttributes } = handle;
      span.setAttribute('task.status', info.status);
      const withStatus = { ...metricAttributes, 'task.status': info.status };
      if (info.durationMs >= 0) duration.record(info.durationMs, withStatus);
      if (info.status !== 'succeeded') {
        failures.add(1, withStatus);
        if (info.error !== undefined) span.recordException(toException(info.error));
        span.setStatus({ code: ERROR, message: statusMessage(info.status, info.error) });
      }
      span.end();
    },

    withSpan(handle, fn) {
      const { context, trace } = api;
      if (context === undefined || trace.setSpan === undefined) return fn();
      return context.with(trace.setSpan(context.active(), handle.span as never) as never, fn);
    },

    onRetryScheduled: (task) => retries.add(1, taskAttributes(task)),
    onSkipped: (task) => skipped.add(1, taskAttributes(task)),
    onDropped: (task) => dropped.add(1, taskAttributes(task)),
    onCoalesced: (task) => coalesced.add(1, taskAttributes(task)),
  };
}

/**
 * Loads `@opentelemetry/api` if it is installed, with a dynamic `import()` (bundled as `require`
 * in the CommonJS build), and resolves to `undefined` if it is not — never throws.
 *
 * @param importer how to load the module; for tests. @default () => import('@opentelemetry/api')
 * @example
 * ```ts
 * const api = await loadOtel();
 * const otel = api && createOtelInstrumentation(api); // undefined without the package
 * ```
 */
export async function loadOtel(importer: () => Promise<unknown> = () => import('@opentelemetry/api')): Promise<OtelApi | undefined> {
  try {
    const loaded = (await importer()) as Partial<OtelApi> & { default?: Partial<OtelApi> };
    const api = loaded !== null && typeof loaded === 'object' && loaded.trace === undefined ? loaded.default : loaded;
    return isOtelApi(api) ? api : undefined;
  } catch {
    return undefined;
  }
}

function isOtelApi(value: unknown): value is OtelApi {
  const api = value as Partial<OtelApi> | null | undefined;
  return (
    typeof api?.trace?.getTracer === 'function' &&
    typeof api.metrics?.getMeter === 'function' &&
    typeof api.SpanStatusCode?.ERROR === 'number'
  );
}

function toException(error: unknown): Error | string {
  if (error instanceof Error) return error;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

function statusMessage(status: ExecutionStatus, error: unknown): string {
  if (error instanceof Error && error.message !== '') return error.message;
  return status === 'timed-out' ? 'timed out' : status;
}
