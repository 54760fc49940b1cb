// chart-testware/probes: what host() returns and throws, and the SKA log format helpers.
export { defaultEchoServerImage, EchoServerError } from '../extras/echo-server.ts';
export {
  defaultLogFields,
  type ElasticsearchMajor,
  type LogFields,
  type LogRecord,
  LogStoreError,
  type WaitForLogOptions,
} from '../extras/elasticsearch-logs.ts';
export {
  ElasticsearchNodeError,
  LocalElasticsearch,
  type LocalElasticsearchOptions,
} from '../extras/elasticsearch-node.ts';
export { formatSkaLogLine, parseSkaLogLine, type SkaLogRecord, skaLogFields } from '../extras/ska-log-format.ts';
export type { FileState } from '../probes/file-state.ts';
export type { CommandOptions, HostBackend } from '../probes/host-backend.ts';
export type { PackageState } from '../probes/package-state.ts';
export {
  CommandFailedError,
  HostUnreachableError,
  MissingProgramError,
  ProbeTimeoutError,
} from '../probes/probe-error.ts';
export type { ProcessFilter, ProcessInfo } from '../probes/process-info.ts';
export type { SocketState } from '../probes/socket-state.ts';
export type { SshOptions } from '../probes/ssh-backend.ts';
export type { GroupState, UserState } from '../probes/user-state.ts';
