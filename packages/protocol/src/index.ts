export { LineSplitter, defaultMaxLineLength } from './line-splitter.ts';
export type { LineSplitterOptions, SplitterItem } from './line-splitter.ts';
export { parseCommand } from './parse-command.ts';
export type { ParseCommandResult } from './parse-command.ts';
export { formatReply, quotePath } from './reply.ts';
export { ReplyCode, standardReplyText } from './reply-code.ts';
export { encodeLineBreaks } from './wire-text.ts';
export { isIpv4Address, isIpv6Address, parseIpv6Groups } from './ip-address.ts';
export {
  formatEpsvReply,
  formatPasvAddress,
  formatPasvReply,
  normalizeAddress,
  parseEprt,
  parseEprtArgument,
  parseEpsvArgument,
  parsePortArgument,
} from './host-port.ts';
export type { AddressFamily, EprtParseResult, EpsvArgument, HostPort } from './host-port.ts';
export { baseName, joinVirtualPath, parentPath, resolveVirtualPath } from './virtual-path.ts';
export { defaultMode } from './listing-entry.ts';
export type { ListingEntry } from './listing-entry.ts';
export { createListLineEncoder, createListLineFormatter, formatListLine, formatNlstLine, formatPermissions, parseListArguments } from './list-format.ts';
export type { ListArguments, ListLineEncoder, ListLineOptions } from './list-format.ts';
export {
  baseMlstFacts,
  defaultMlstFacts,
  formatMlstFeature,
  formatMlstOptsReply,
  mlstFactsOf,
  parseMlstOptions,
  supportedMlstFacts,
} from './mlsx-facts.ts';
export type { MlstFact } from './mlsx-facts.ts';
export { createMlsxLineEncoder, createMlsxLineFormatter, formatMlsxLine } from './mlsx-line.ts';
export type { MlsxLineEncoder, MlsxLineFormatter, MlsxLineOptions } from './mlsx-line.ts';
export { formatMachineTime, isMachineTimeRepresentable, parseMachineTime } from './machine-time.ts';
export { createAsciiDecoder, createAsciiEncoder } from './ascii-transfer.ts';
export type { AsciiDecoder } from './ascii-transfer.ts';
export { formatProxyV2Header, maxProxyV1HeaderLength, parseProxyHeader, proxyV2Signature, type ProxyEndpoint, type ProxyHeader, type ProxyParseResult } from './proxy-protocol.ts';
