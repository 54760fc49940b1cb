/**
 * Base of every error chart-testware throws on purpose. `hint` says what to try;
 * the message already names what failed and where.
 */
export class ChartTestwareError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}\n  hint: ${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad options, flags, environment or config file. */
export class ConfigError extends ChartTestwareError {}
