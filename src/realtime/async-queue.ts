// A queue that one consumer reads with for await (or take): events pushed by pub/sub handlers
// wait here until the subscription asks for them.

/** How many items may wait, and what to do when more would: the socket the items are for is not taking them. */
export interface QueueBound {
  maxQueued: number;
  overflow(): void;
}

/** A consumer told of the next item (or of the end) by a call rather than a promise (AsyncQueue.takeBy). */
export interface Taker<T> {
  /** Must not throw: the takers of every queue pushed in one task are told one after another (handOverAll). */
  took(result: IteratorResult<T>): void;
}

/** A taker also told of a failure: what a stream hands its next step to (HandingIterator.nextTo). */
export interface StepTaker<T> extends Taker<T> {
  /** Must not throw, as took. */
  failed(error: unknown): void;
}

/**
 * An async iterator that can also hand its next step to a taker instead of settling a promise
 * (nextTo). A consumer waiting on it then holds a field, where a pending next() holds a promise,
 * its reaction and their closures in each layer of a stream (about 0.2 KB a layer, for as long as
 * a subscription is idle).
 */
export interface HandingIterator<T> extends AsyncIterator<T> {
  /** As next(), with the step (or the failure) told to taker. */
  nextTo(taker: StepTaker<T>): void;
}

export function handsSteps<T>(iterator: AsyncIterator<T>): iterator is HandingIterator<T> {
  return typeof (iterator as Partial<HandingIterator<T>>).nextTo === "function";
}

/**
 * Hands iterator's next step to taker: through nextTo when the iterator hands its steps on, else
 * through its next() promise.
 */
export function stepTo<T>(iterator: AsyncIterator<T>, taker: StepTaker<T>): void {
  if (handsSteps(iterator)) return iterator.nextTo(taker);
  iterator.next().then(
    (step) => taker.took(step),
    (error: unknown) => taker.failed(error),
  );
}

/** next() of an iterator made on nextTo. */
export function nextBy<T>(iterator: HandingIterator<T>): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => iterator.nextTo({ took: resolve, failed: reject }));
}

/** The one result that ends an iteration, shared by the iterators built on the queue. */
export const DONE: IteratorResult<never, undefined> = Object.freeze({ value: undefined, done: true });

/** Queues whose taker is told of an item at the end of the current task (handOverSoon). */
let handing: { handOver(): void }[] = [];

function handOverAll(): void {
  const queues = handing;
  handing = [];
  for (const queue of queues) queue.handOver();
}

/**
 * A taker is told of a pushed item once the task that pushed it is done rather than at once: a
 * burst heard in one read of the broker's socket is then all queued when the first item is taken,
 * so the consumer sees the rest waiting (MessageStream: its socket writes them together).
 */
function handOverSoon(queue: { handOver(): void }): void {
  if (handing.length === 0) queueMicrotask(handOverAll);
  handing.push(queue);
}

export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  // Initialised, as every field here: one added after the constructor costs an idle
  // subscription's queue a property array of its own.
  private waiting: ((result: IteratorResult<T>) => void) | undefined = undefined;
  private taker: Taker<T> | undefined = undefined;
  private ended = false;

  /** With a bound, the queue ends once more than bound.maxQueued items wait, and calls bound.overflow() (once). */
  constructor(private readonly bound?: QueueBound) {}

  /** Items waiting for the consumer. */
  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiting;
    if (waiter) {
      this.waiting = undefined;
      waiter({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (this.taker && this.items.length === 1) handOverSoon(this);
    if (this.bound && this.items.length > this.bound.maxQueued) {
      this.end();
      this.bound.overflow();
    }
  }

  /** Gives the taker the first item waiting (handOverSoon). */
  handOver(): void {
    const taker = this.taker;
    if (!taker || this.items.length === 0) return;
    this.taker = undefined;
    taker.took({ value: this.items.shift()!, done: false });
  }

  end(): void {
    this.ended = true;
    this.items.length = 0;
    const waiter = this.waiting;
    this.waiting = undefined;
    waiter?.(DONE);
    const taker = this.taker;
    this.taker = undefined;
    taker?.took(DONE);
  }

  /** The next item, once there is one; done once the queue has ended. */
  take(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /**
   * Tells taker of the next item (or of the end): at once when there is one, else when it comes.
   * For a consumer that makes its own promise for what it does with the item: waiting there
   * costs no promise, reaction and closure of the queue's besides (an idle subscription waits
   * for as long as it lives).
   */
  takeBy(taker: Taker<T>): void {
    if (this.items.length > 0) return taker.took({ value: this.items.shift()!, done: false });
    if (this.ended) return taker.took(DONE);
    this.taker = taker;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.take(),
      return: () => {
        this.end();
        return Promise.resolve(DONE);
      },
    };
  }
}

/**
 * An async generator waiting inside `for await`/`yield*` on a queue only sees return() at its
 * next yield, so a quiet subscription would never close (and its socket's close hooks never
 * run). This iterator ends the queue first: the generator's wait ends, it reaches its finally,
 * and return() completes at once.
 */
export function endedWith<T>(queue: { end(): void }, generator: AsyncGenerator<T>): AsyncGenerator<T> {
  const iterator: AsyncGenerator<T> = {
    next: (...args) => generator.next(...args),
    return: (value) => {
      queue.end();
      return generator.return(value);
    },
    throw: (error) => {
      queue.end();
      return generator.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
