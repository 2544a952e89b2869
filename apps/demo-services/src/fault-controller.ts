import type { FaultKnobs } from '@app/config';

/** One service's fault knobs and request counter, shared by its routes, its control endpoints and in-process tests. */
export class FaultController {
  private knobs: FaultKnobs;
  private requests = 0;

  constructor(private readonly initial: FaultKnobs) {
    this.knobs = { ...initial };
  }

  get(): FaultKnobs {
    return { ...this.knobs };
  }

  /** Merges the given knobs into the current ones; absent knobs keep their value. */
  set(partial: Partial<FaultKnobs>): FaultKnobs {
    this.knobs = {
      latencyMs: partial.latencyMs ?? this.knobs.latencyMs,
      errorRate: partial.errorRate ?? this.knobs.errorRate,
      down: partial.down ?? this.knobs.down,
      malformed: partial.malformed ?? this.knobs.malformed,
      hang: partial.hang ?? this.knobs.hang,
    };
    return this.get();
  }

  /** Back to the knobs the service started with, not to zero: a service started slow stays slow. */
  reset(): FaultKnobs {
    this.knobs = { ...this.initial };
    return this.get();
  }

  countRequest(): void {
    this.requests++;
  }

  requestCount(): number {
    return this.requests;
  }

  resetCount(): void {
    this.requests = 0;
  }
}
