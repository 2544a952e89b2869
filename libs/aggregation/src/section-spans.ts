import { endSectionSpan, startSectionSpan, type SectionOutcome, type TraceSpan } from '@app/observability';

/**
 * The spans of one aggregate's sections, children of the request's span.
 * Each ends once: when its section settles, or when the aggregate stops
 * waiting for it (a required sibling failed, the deadline passed, the
 * client left), since a loader that ignores its signal may never settle.
 */
export class SectionSpans {
  private readonly open = new Map<string, TraceSpan>();

  constructor(private readonly request: TraceSpan) {}

  start(name: string, required: boolean): TraceSpan {
    const span = startSectionSpan(this.request, name, required);
    this.open.set(name, span);
    return span;
  }

  end(name: string, outcome: SectionOutcome): void {
    const span = this.open.get(name);
    if (span !== undefined) {
      this.open.delete(name);
      endSectionSpan(span, outcome);
    }
  }

  endOpen(outcome: SectionOutcome): void {
    for (const span of this.open.values()) {
      endSectionSpan(span, outcome);
    }
    this.open.clear();
  }
}
