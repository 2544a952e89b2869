import { Cancellation, type CancelSignal } from '@app/cancellation';

interface Flight {
  result: Promise<unknown>;
  cancellation: Cancellation;
  waiters: number;
}

/**
 * Concurrent loads of one key share a single call. The call runs under its
 * own abort signal, cancelled only once every caller waiting on it has gone,
 * so one impatient caller never fails the others.
 */
export class SingleFlight {
  private readonly flights = new Map<string, Flight>();

  run<T>(key: string, load: (signal: CancelSignal) => Promise<T>, callerSignal?: CancelSignal): Promise<T> {
    // A caller already gone (a required sibling section failed first) would start a load only to cancel it at
    // once, and that load's rejection would have nobody waiting on it: unhandled, it ends the process.
    if (callerSignal?.aborted === true) {
      return Promise.reject(callerSignal.reason as Error);
    }
    let flight = this.flights.get(key);
    if (flight === undefined) {
      const cancellation = new Cancellation();
      const started: Flight = { result: load(cancellation), cancellation, waiters: 0 };
      const land = (): void => {
        if (this.flights.get(key) === started) {
          this.flights.delete(key);
        }
      };
      // Registered before any caller waits, so the flight is gone by the time they resume. Handling the
      // rejection here too matters: every caller may leave before the load settles, and its failure, which
      // then concerns nobody, must not surface as an unhandled rejection, which would end the process.
      started.result.then(land, land);
      this.flights.set(key, started);
      flight = started;
    }
    return this.wait(flight, callerSignal) as Promise<T>;
  }

  get size(): number {
    return this.flights.size;
  }

  private wait(flight: Flight, callerSignal: CancelSignal | undefined): Promise<unknown> {
    flight.waiters += 1;
    if (callerSignal === undefined) {
      return flight.result;
    }
    return new Promise((resolve, reject) => {
      const stopListening = callerSignal.onAbort((reason) => {
        flight.waiters -= 1;
        if (flight.waiters === 0) {
          flight.cancellation.abort(reason);
        }
        reject(reason);
      });
      flight.result.then(
        (value) => {
          stopListening();
          resolve(value);
        },
        (error: unknown) => {
          stopListening();
          reject(error);
        },
      );
    });
  }
}
