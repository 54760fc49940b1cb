/**
 * The SKA log message format (SKA developer portal, "Logging guidelines"), one line per message:
 *   VERSION|TIMESTAMP|SEVERITY|[THREAD-ID]|[FUNCTION]|[LINE-LOC]|[TAGS]|MESSAGE
 *   1|2020-01-14T08:24:54.560Z|INFO|Thread-1|setup|tangodb.py#42|tango-device:sys/tg_test/1|DB ready
 * TAGS is a comma-separated list of key:value pairs; MESSAGE may contain '|'. The SKA log pipeline (fluentd)
 * stores the parts in these Elasticsearch fields.
 */
export const skaLogFields = {
  version: 'ska_version',
  timestamp: 'ska_log_timestamp',
  severity: 'ska_severity',
  threadId: 'ska_thread_id',
  function: 'ska_function',
  lineLoc: 'ska_line_loc',
  tags: 'ska_tags',
  message: 'ska_log_message',
} as const;

export const skaSeverities = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type SkaSeverity = (typeof skaSeverities)[number];

export interface SkaLogRecord {
  readonly version: string;
  readonly timestamp: string;
  readonly severity: SkaSeverity;
  readonly threadId: string;
  readonly function: string;
  readonly lineLoc: string;
  /** `tango-device:sys/tg_test/1,subsystem:csp` as { 'tango-device': 'sys/tg_test/1', subsystem: 'csp' }. */
  readonly tags: Readonly<Record<string, string>>;
  readonly message: string;
}

/** Parses one SKA-format line; undefined when the line is not in that format. */
export function parseSkaLogLine(line: string): SkaLogRecord | undefined {
  const parts = line.replace(/\r?\n$/, '').split('|');
  if (parts.length < 8) return undefined;
  const [version = '', timestamp = '', severity = '', threadId = '', fn = '', lineLoc = '', tags = ''] = parts;
  if (!/^\d+$/.test(version) || Number.isNaN(Date.parse(timestamp))) return undefined;
  if (!(skaSeverities as readonly string[]).includes(severity)) return undefined;
  return {
    version,
    timestamp,
    severity: severity as SkaSeverity,
    threadId,
    function: fn,
    lineLoc,
    tags: parseSkaTags(tags),
    message: parts.slice(7).join('|'),
  };
}

export function parseSkaTags(tags: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of tags.split(',')) {
    if (pair.trim() === '') continue;
    const colon = pair.indexOf(':');
    if (colon < 0) result[pair.trim()] = '';
    else result[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return result;
}

/** Formats a record as an SKA log line (for emitting test messages in the format the pipeline parses). */
export function formatSkaLogLine(record: Partial<SkaLogRecord> & { message: string }): string {
  const tags = Object.entries(record.tags ?? {})
    .map(([key, value]) => (value === '' ? key : `${key}:${value}`))
    .join(',');
  return [
    record.version ?? '1',
    record.timestamp ?? new Date().toISOString(),
    record.severity ?? 'INFO',
    record.threadId ?? '',
    record.function ?? '',
    record.lineLoc ?? '',
    tags,
    record.message,
  ].join('|');
}
