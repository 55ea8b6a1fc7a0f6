import pino from 'pino';
import type { Logger } from 'pino';

/**
 * pino JSON logs. Keys, codes and secrets are removed wherever they might appear; phone
 * numbers are masked by the code that logs them (maskPhone), and these paths are the net
 * under that rule for anything that slips through.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'code',
  'body.code',
  'secret',
  'key',
  '*.code',
  '*.secret',
  '*.key',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      // pid tells the processes of `serve --workers N` apart.
      base: { service: 'otpgate', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
