/**
 * Structured logging (pino). Level from GREGOR_LOG_LEVEL (default "info"; tests usually set
 * "warn" or "silent"). Components take a child logger: `logger.child({ component: 'keeper' })`.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'gregor',
    level: options.level ?? process.env.GREGOR_LOG_LEVEL ?? 'info',
  });
}

export const rootLogger: Logger = createLogger();
