/**
 * Reconnect delays: exponential backoff with jitter, so that many agents dropped by one server
 * restart do not all come back in the same millisecond. The one backoff of the project: the agent
 * socket, the caller's task subscription and the GraphQL transport's subscription socket use it.
 */

export interface BackoffOptions {
  /** Delay before the first retry, in ms. Default 250. */
  initialDelayMs?: number;
  /** Upper bound of any delay, in ms. Default 10000. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay that is randomised (0 = none, 1 = "full jitter"). Default 0.5. */
  jitter?: number;
}

export interface CompiledBackoff {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: number;
}

export function compileBackoff(options: BackoffOptions = {}): CompiledBackoff {
  const compiled = {
    initialDelayMs: options.initialDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 0.5,
  };
  if (!(compiled.initialDelayMs >= 0)) throw new RangeError("reconnect.initialDelayMs must be >= 0");
  if (!(compiled.maxDelayMs >= compiled.initialDelayMs)) {
    throw new RangeError("reconnect.maxDelayMs must be >= reconnect.initialDelayMs");
  }
  if (!(compiled.factor >= 1)) throw new RangeError("reconnect.factor must be >= 1");
  if (!(compiled.jitter >= 0 && compiled.jitter <= 1)) throw new RangeError("reconnect.jitter must be in [0, 1]");
  return compiled;
}

/**
 * The delay before retry number `attempt` (0-based): `initial * factor^attempt`, capped at `max`,
 * of which a `jitter` fraction is replaced by a uniform random share.
 */
export function backoffDelay(attempt: number, backoff: CompiledBackoff, random: () => number = Math.random): number {
  const exponential = backoff.initialDelayMs * Math.pow(backoff.factor, Math.max(0, attempt));
  const capped = Math.min(backoff.maxDelayMs, exponential);
  const fixed = capped * (1 - backoff.jitter);
  return Math.round(fixed + capped * backoff.jitter * random());
}

/** Waits `ms`, or less when `signal` aborts (never rejects), so a closing client does not linger. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
