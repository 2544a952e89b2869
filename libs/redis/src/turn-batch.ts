/** A caller waiting for its item's answer. */
interface Waiting<Item, Answer> {
  item: Item;
  settle: (answer: Answer | undefined) => void;
}

/**
 * Sends one call for everything asked of it during a turn of the event
 * loop, in chunks of at most `maxItems`, and answers each caller from that
 * call's answers. A caller waits only for the end of the turn; the reply
 * would be read on the next turn anyway. ioredis's auto-pipelining already
 * puts a turn's commands into one write, but Redis still runs, and the
 * gateway still builds, parses and settles, one command per call:
 * per rate-limit check, 12.5 µs of gateway CPU and 7.4 µs of Redis alone,
 * against 6.7 and 5.5 µs at ten in one script (measured alone). Hand-written:
 * ioredis has no batching beyond the wire, and a dataloader-style library
 * would bring caching and keying this does not want.
 *
 * `send` answers the chunk's items in their order, or undefined when the
 * call failed, which every item of the chunk then gets.
 */
export class TurnBatch<Item, Answer> {
  private queue: Waiting<Item, Answer>[] = [];

  constructor(
    private readonly send: (items: readonly Item[]) => Promise<readonly Answer[] | undefined>,
    private readonly maxItems: number,
  ) {}

  add(item: Item): Promise<Answer | undefined> {
    return new Promise((settle) => {
      if (this.queue.length === 0) {
        setImmediate(() => this.sendQueued());
      }
      this.queue.push({ item, settle });
    });
  }

  private sendQueued(): void {
    const queued = this.queue;
    this.queue = [];
    for (let start = 0; start < queued.length; start += this.maxItems) {
      void this.sendChunk(queued.slice(start, start + this.maxItems));
    }
  }

  private async sendChunk(chunk: readonly Waiting<Item, Answer>[]): Promise<void> {
    let answers: readonly Answer[] | undefined;
    try {
      answers = await this.send(chunk.map(({ item }) => item));
    } catch {
      // A sender that throws is a bug, but never one that takes the process down or leaves a caller waiting.
      answers = undefined;
    }
    chunk.forEach(({ settle }, index) => settle(answers?.[index]));
  }
}
