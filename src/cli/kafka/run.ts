/**
 * What every Kafka-style command shares: the bootstrap server option, turning errors into
 * Kafka's one-line messages and exit code 1, and printing help.
 */
import { KafkaError, errorInfo } from '../../protocol/errors.js';
import { ClientError } from '../../client/errors.js';
import { UsageError, type ParsedOptions, str } from './args.js';

export function bootstrapOf(o: ParsedOptions, help: string): string {
  const b = str(o, 'bootstrap-server') ?? str(o, 'broker-list') ?? process.env.GREGOR_BOOTSTRAP_SERVERS;
  if (b === undefined) throw new UsageError(`Missing required argument "[bootstrap-server]"\n${help}`);
  return b;
}

/** Runs a command body, printing errors the way Kafka's tools do. */
export async function runTool(help: string, errorPrefix: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message.includes('Usage:') ? err.message : `${err.message}\n${help}`}`);
      return 1;
    }
    if (err instanceof KafkaError || err instanceof ClientError) {
      console.error(`${errorPrefix}${kafkaMessage(err)}`);
      return 1;
    }
    throw err;
  }
}

/**
 * The broker's message without our `NAME: ` prefix when it has its own text; a bare name (a
 * partition, a topic: our own detail) follows the error's meaning instead of standing alone.
 */
export function kafkaMessage(err: KafkaError | ClientError): string {
  if (err instanceof KafkaError) {
    let m = err.message;
    // Strip our prefix, and the broker's when its message repeats the name.
    while (m.startsWith(`${err.errorName}: `)) m = m.slice(err.errorName.length + 2);
    const meaning = errorInfo(err.errorCode).message;
    return m !== meaning && !/\s/.test(m) ? `${meaning} (${m})` : m;
  }
  return err.message;
}
