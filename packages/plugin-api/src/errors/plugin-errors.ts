import { FtpError } from './ftp-error.ts';

/** A plugin declares a `specificationVersion` this server does not implement. Thrown at start, never in a session. */
export class PluginVersionError extends FtpError {
  constructor(pluginName: string, found: unknown, supported: readonly string[]) {
    super(
      'FTP_ERR_PLUGIN_VERSION',
      `plugin "${pluginName}" implements specification ${JSON.stringify(found)}, this server supports ${supported.join(', ')}`,
      { expose: true },
    );
    this.name = 'PluginVersionError';
  }
}

/** A plugin or server option is invalid. Thrown at start, with a message that names the option and why. */
export class InvalidOptionError extends FtpError {
  readonly option: string;
  constructor(option: string, reason: string) {
    super('FTP_ERR_INVALID_OPTION', `${option}: ${reason}`, { expose: true });
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}
