export { LineSplitter } from './line-splitter.ts';
export type { SplitterItem } from './line-splitter.ts';
export { parseCommand } from './parse-command.ts';
export type { LineDecoder, ParseCommandResult } from './parse-command.ts';
export { formatReply, quotePath } from './reply.ts';
export { ReplyCode, standardReplyText } from './reply-code.ts';
export { isIpv4Address, parseIpv6Groups } from './ip-address.ts';
export {
  formatEpsvReply,
  formatPasvAddress,
  normalizeAddress,
  parseEprtArgument,
  parseEpsvArgument,
  parsePortArgument,
} from './host-port.ts';
export type { HostPort } from './host-port.ts';
export { baseName, joinVirtualPath, parentPath, resolveVirtualPath } from './virtual-path.ts';
export { createListLineEncoder, createListLineFormatter, formatNlstLine, parseListArguments } from './list-format.ts';
export { baseMlstFacts, defaultMlstFacts, formatMlstFeature, formatMlstOptsReply, mlstFactsOf, parseMlstOptions } from './mlsx-facts.ts';
export type { MlstFact } from './mlsx-facts.ts';
export { createMlsxLineEncoder, formatMlsxLine } from './mlsx-line.ts';
export { formatMachineTime, parseMachineTime } from './machine-time.ts';
export { createAsciiDecoder, createAsciiEncoder } from './ascii-transfer.ts';
export { formatProxyV2Header, parseProxyHeader, type ProxyHeader } from './proxy-protocol.ts';
