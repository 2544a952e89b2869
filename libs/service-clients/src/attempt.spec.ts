import type { EjectionConfig } from '@app/config';
import { Metrics, type RequestContext } from '@app/observability';
import { attemptOn, IN_FLIGHT } from './attempt.js';
import type { Transport } from './axios-transport.js';
import { expectAnswer } from './expected-answer.js';
import { InstancePool } from './instance-pool.js';
import { LatencyWindow } from './latency-window.js';
import { z } from 'zod';

const ejection: EjectionConfig = { consecutiveFailures: 3, baseMs: 1000, maxMs: 8000 };

describe(attemptOn.name, () => {
  it("lists an attempt in its request's upstream calls from the moment it starts, then how it ended", async () => {
    let answer: (status: number) => void = () => undefined;
    const transport: Transport = () =>
      new Promise((resolve) => {
        answer = (status) => resolve({ status, body: { theme: 'dark' } });
      });
    const pool = new InstancePool(
      'preference',
      [{ id: 'p1', url: 'http://127.0.0.1:1', hostHeader: undefined, weight: 1 }],
      ejection,
    );
    const attempt = attemptOn('preference', pool, transport, new LatencyWindow(), new Metrics());
    const context = { upstreamCalls: [] } as unknown as RequestContext;

    const call = attempt({
      method: 'PATCH',
      path: '/preferences/u1',
      expect: expectAnswer(z.object({ theme: z.string() }), 'The preferences'),
      context,
    });
    // The client may hang up now: its access line must show the write on its way.
    expect(context.upstreamCalls).toEqual([{ service: 'preference', outcome: IN_FLIGHT, ms: 0 }]);

    answer(200);
    await call;
    expect(context.upstreamCalls).toEqual([{ service: 'preference', outcome: 'ok', ms: expect.any(Number) }]);
  });
});
