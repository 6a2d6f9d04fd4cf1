// The in-process bus of an output source: listeners told of every value, synchronously, in order.
// A listener's bug (a client-facing view, say) is logged and never stops the source or the others.
import type { Logger } from '../obs/logger.js';

export class OutputBus<T> {
  private readonly listeners: ((value: T) => void)[] = [];

  constructor(private readonly log: Logger) {}

  on(listener: (value: T) => void): void {
    this.listeners.push(listener);
  }

  emit(value: T): void {
    for (const l of this.listeners) {
      try {
        l(value);
      } catch (err) {
        this.log.error({ err: (err as Error).stack ?? String(err) }, 'output listener failed');
      }
    }
  }
}
