/** Where the authenticator runs; the second argument of every factory of this package. */
export interface AuthenticatorEnvironment {
  /** A relative `caFile` is resolved against it. Default: the current directory. */
  readonly configDirectory?: string;
}
