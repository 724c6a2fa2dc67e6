import * as api from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { beforeEach, describe, expect, it } from 'vitest';
import { createOtelInstrumentation, loadOtel, type OtelInstrumentation } from '../../src/monitor/otel';

/** A pull reader: `collect()` on demand, cumulative temporality. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const heartbeat = { taskId: 'hb-1', taskName: 'heartbeat', priority: 10 };

describe('createOtelInstrumentation', () => {
  let spans: InMemorySpanExporter;
  let reader: TestReader;
  let otel: OtelInstrumentation;

  beforeEach(() => {
    spans = new InMemorySpanExporter();
    reader = new TestReader();
    otel = createOtelInstrumentation(api, {
      tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
      meterProvider: new MeterProvider({ readers: [reader] }),
    });
  });

  async function metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics } = await reader.collect();
    const out = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      expect(scope.scope.name).toBe('rx-background-tasks');
      for (const m of scope.metrics) out.set(m.descriptor.name, m);
    }
    return out;
  }

  function sum(metric: MetricData | undefined, attributes: Record<string, unknown> = {}): number {
    if (metric === undefined) return 0;
    return metric.dataPoints
      .filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
      .reduce((total, p) => total + (typeof p.value === 'number' ? p.value : (p.value as { sum?: number; count: number }).count), 0);
  }

  it('makes one task.run span per attempt with the task attributes', () => {
    const handle = otel.onAttemptStart({ ...heartbeat, attempt: 1, triggerKind: 'periodic', waitMs: 3 });
    otel.onAttemptEnd(handle, { status: 'succeeded', durationMs: 12 });
    const [span] = spans.getFinishedSpans();
    expect(spans.getFinishedSpans()).toHaveLength(1);
    expect(span.name).toBe('task.run');
    expect(span.kind).toBe(api.SpanKind.INTERNAL);
    expect(span.attributes).toEqual({
      'task.id': 'hb-1',
      'task.name': 'heartbeat',
      'task.priority': 10,
      'task.attempt': 1,
      'trigger.kind': 'periodic',
      'task.status': 'succeeded',
    });
    expect(span.status.code).toBe(api.SpanStatusCode.UNSET);
    expect(span.events).toHaveLength(0);
    expect(span.ended).toBe(true);
  });

  it('records the exception and ERROR status of a failed attempt', () => {
    const handle = otel.onAttemptStart({ ...heartbeat, attempt: 2, triggerKind: 'event' });
    expect(spans.getFinishedSpans()).toHaveLength(0); // open until the attempt ends
    otel.onAttemptEnd(handle, { status: 'failed', error: new TypeError('bad payload'), durationMs: 5 });
    const [span] = spans.getFinishedSpans();
    expect(span.attributes['task.status']).toBe('failed');
    expect(span.attributes['task.attempt']).toBe(2);
    expect(span.status).toEqual({ code: api.SpanStatusCode.ERROR, message: 'bad payload' });
    expect(span.events).toHaveLength(1);
    expect(span.events[0].name).toBe('exception');
    expect(span.events[0].attributes?.['exception.type']).toBe('TypeError');
    expect(span.events[0].attributes?.['exception.message']).toBe('bad payload');
  });

  it.each([
    ['timed-out', undefined, 'timed out', 0],
    ['aborted', undefined, 'aborted', 0],
    ['failed', { code: 42 }, 'failed', 1],
    ['failed', 'plain string', 'failed', 1],
  ] as const)('marks %s (error %o) as ERROR "%s"', (status, error, message, events) => {
    const handle = otel.onAttemptStart({ ...heartbeat, attempt: 1, triggerKind: 'periodic' });
    otel.onAttemptEnd(handle, { status, error, durationMs: 1 });
    const [span] = spans.getFinishedSpans();
    expect(span.status).toEqual({ code: api.SpanStatusCode.ERROR, message });
    expect(span.events).toHaveLength(events);
  });

  it('counts runs and failures and records duration and wait histograms', async () => {
    const statuses = ['succeeded', 'failed', 'timed-out', 'succeeded'] as const;
    statuses.forEach((status, i) => {
      const handle = otel.onAttemptStart({ ...heartbeat, attempt: i === 2 ? 2 : 1, triggerKind: 'periodic', waitMs: 4 });
      otel.onAttemptEnd(handle, { status, error: status === 'succeeded' ? undefined : new Error('x'), durationMs: 10 * (i + 1) });
    });
    const m = await metrics();
    const task = { 'task.id': 'hb-1', 'task.name': 'heartbeat' };
    expect(sum(m.get('task.runs'), task)).toBe(4);
    expect(sum(m.get('task.failures'), task)).toBe(2);
    expect(sum(m.get('task.failures'), { 'task.status': 'timed-out' })).toBe(1);

    const duration = m.get('task.duration')!;
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(duration.descriptor.unit).toBe('ms');
    expect(sum(duration)).toBe(4);
    const succeeded = duration.dataPoints.find((p) => p.attributes['task.status'] === 'succeeded')!;
    expect(succeeded.value).toMatchObject({ count: 2, sum: 10 + 40, min: 10, max: 40 });

    const wait = m.get('task.wait')!;
    expect(wait.dataPoints[0].value).toMatchObject({ count: 3, sum: 12 }); // first attempts only
  });

  it('counts retries and skipped, dropped and coalesced fires', async () => {
    otel.onRetryScheduled(heartbeat);
    otel.onSkipped(heartbeat);
    otel.onSkipped(heartbeat);
    otel.onDropped(heartbeat);
    otel.onCoalesced({ taskId: 'other', taskName: 'other', priority: 0 });
    const m = await metrics();
    expect(sum(m.get('task.retries'), { 'task.id': 'hb-1' })).toBe(1);
    expect(sum(m.get('task.fires.skipped'), { 'task.id': 'hb-1' })).toBe(2);
    expect(sum(m.get('task.fires.dropped'), { 'task.id': 'hb-1' })).toBe(1);
    expect(sum(m.get('task.fires.coalesced'), { 'task.id': 'other', 'task.name': 'other' })).toBe(1);
  });

  it('withSpan returns what fn returns (and runs it with the span active when a context manager is set)', () => {
    const handle = otel.onAttemptStart({ ...heartbeat, attempt: 1, triggerKind: 'periodic' });
    // No global context manager in this test: the API's no-op manager runs fn as is.
    expect(otel.withSpan(handle, () => 7)).toBe(7);
    let seen: unknown = 'not called';
    const fake = createOtelInstrumentation(
      {
        ...api,
        context: { active: () => 'root', with: (ctx: never, fn: () => unknown) => ((seen = ctx), fn()) as never },
        trace: { getTracer: api.trace.getTracer.bind(api.trace), setSpan: (ctx: unknown, span: unknown) => ({ ctx, span }) as never },
      },
      { tracerProvider: new BasicTracerProvider(), meterProvider: new MeterProvider() },
    );
    const h = fake.onAttemptStart({ ...heartbeat, attempt: 1, triggerKind: 'periodic' });
    expect(fake.withSpan(h, () => 'done')).toBe('done');
    expect(seen).toEqual({ ctx: 'root', span: h.span });
    otel.onAttemptEnd(handle, { status: 'succeeded', durationMs: 0 });
  });

  it('uses the global providers by default (no-op without an SDK: nothing throws)', () => {
    const global = createOtelInstrumentation(api);
    const handle = global.onAttemptStart({ ...heartbeat, attempt: 1, triggerKind: 'periodic', waitMs: 1 });
    expect(() => global.onAttemptEnd(handle, { status: 'failed', error: new Error('x'), durationMs: 1 })).not.toThrow();
    expect(spans.getFinishedSpans()).toHaveLength(0);
  });
});

describe('loadOtel', () => {
  it('loads the installed @opentelemetry/api', async () => {
    const loaded = await loadOtel();
    expect(loaded).toBeDefined();
    expect(loaded!.trace).toBe(api.trace);
  });

  it('resolves to undefined when the package is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package '@opentelemetry/api'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadOtel(() => Promise.reject(missing))).resolves.toBeUndefined();
  });

  it('resolves to undefined for something that is not the API', async () => {
    await expect(loadOtel(async () => ({ trace: {} }))).resolves.toBeUndefined();
    await expect(loadOtel(async () => null)).resolves.toBeUndefined();
  });

  it('accepts a CommonJS-style default export', async () => {
    const loaded = await loadOtel(async () => ({ default: api }));
    expect(loaded?.metrics).toBe(api.metrics);
  });
});
