import type { CommandContext } from '../session/command-context.ts';
import { hasCapability, type CommandSpec, type CommandTable } from '../session/define-command.ts';
import { authenticationCommands } from './authentication.ts';
import { checksumCommands } from './checksums.ts';
import { dataChannelCommands } from './data-channel.ts';
import { directoryCommands } from './directories.ts';
import { fileCommands } from './files.ts';
import { informationCommands } from './information.ts';
import { listingCommands } from './listing.ts';
import { streamlinedCommands } from './streamlined-commands.ts';
import { tlsCommands } from './tls.ts';

/** FEAT lines that belong to the protocol rather than to one verb. */
const protocolFeatures = ['TVFS'];

/**
 * RFC verbs we know but do not implement: answered 502 rather than 500 (RFC 959 §4.2: 502 "command not
 * implemented" is for recognised commands): RFC 2228 security verbs other than TLS's, SMNT, LANG, ….
 */
const knownUnimplemented = ['SMNT', 'ADAT', 'MIC', 'CONF', 'ENC', 'LANG', 'XRCP', 'XSEN', 'XSEM', 'XMAS'];

function notImplemented(verb: string): CommandSpec {
  return {
    verb,
    requiresLogin: false,
    argument: 'optional',
    syntax: `${verb} (not implemented)`,
    handle: (context) => context.reply(502, `${verb} not implemented.`),
  };
}

/** Every verb the server answers, joined from the family tables; fails at start on a duplicate verb or alias. */
export class CommandRegistry implements CommandTable {
  readonly #byVerb = new Map<string, CommandSpec>();
  readonly #specs: readonly CommandSpec[];

  constructor(families: readonly (readonly CommandSpec[])[]) {
    this.#specs = families.flat();
    for (const spec of this.#specs) {
      for (const verb of [spec.verb, ...(spec.aliases ?? [])]) {
        if (this.#byVerb.has(verb)) throw new Error(`command ${verb} is defined twice`);
        this.#byVerb.set(verb, spec);
      }
    }
  }

  get(verb: string): CommandSpec | undefined {
    return this.#byVerb.get(verb);
  }

  /** Implemented verbs and aliases this server offers, sorted, for HELP. */
  verbs(context: CommandContext): string[] {
    return [...this.#byVerb.entries()]
      .filter(([, spec]) => !knownUnimplemented.includes(spec.verb) && (spec.available?.(context) ?? true))
      .map(([verb]) => verb)
      .sort();
  }

  /** The FEAT lines this session can honour: a capability the storage lacks (or has not shown yet) is left out. */
  features(context: CommandContext): string[] {
    const lines = new Set(protocolFeatures);
    for (const spec of this.#specs) {
      if (spec.feature === undefined || spec.available?.(context) === false) continue;
      if (spec.requiresCapability !== undefined && !hasCapability(context.state.storage, spec.requiresCapability)) continue;
      const line = typeof spec.feature === 'function' ? spec.feature(context) : spec.feature;
      if (line !== undefined) lines.add(line);
    }
    return [...lines].sort();
  }
}

/** The standard command table of this server. */
export function createCommandRegistry(): CommandRegistry {
  return new CommandRegistry([
    authenticationCommands,
    directoryCommands,
    fileCommands,
    checksumCommands,
    listingCommands,
    dataChannelCommands,
    informationCommands,
    streamlinedCommands,
    tlsCommands,
    knownUnimplemented.map(notImplemented),
  ]);
}
