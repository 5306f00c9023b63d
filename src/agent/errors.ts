/**
 * The agent's operating errors, by Flume's names: a configuration problem names the property
 * key it is about; ChannelException / ChannelFullException are the channel's refusals that a
 * source answers with back-off and a sink with rollback.
 */
import { GregorError } from '../util/errors.js';

/** A property that is missing, invalid or refers to something that does not exist. */
export class AgentConfigError extends GregorError {
  /** The full property key, e.g. `a1.sources.r1.batchSize` (empty when about the whole file). */
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super('GREGOR_ERR_AGENT_CONFIG', key === '' ? message : `${key}: ${message}`, options);
    this.key = key;
  }
}

/** Several configuration errors at once, so that a user fixes the file in one go. */
export class AgentConfigErrors extends GregorError {
  readonly errors: readonly AgentConfigError[];
  constructor(errors: AgentConfigError[]) {
    super('GREGOR_ERR_AGENT_CONFIG', `invalid agent configuration:\n  ${errors.map((e) => e.message).join('\n  ')}`);
    this.errors = errors;
  }
}

/** Flume's ChannelException: a transaction could not be carried out (put/take list full, I/O). */
export class ChannelException extends GregorError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'GREGOR_ERR_CHANNEL', message, options);
  }
}

/** Flume's ChannelFullException: no room in the channel for a commit. Sources back off and retry. */
export class ChannelFullException extends ChannelException {
  constructor(message: string) {
    super(message, { code: 'GREGOR_ERR_CHANNEL_FULL' });
  }
}
