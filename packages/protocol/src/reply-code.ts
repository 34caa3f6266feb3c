/**
 * FTP reply codes by name. Every code of RFC 959 §4.2.2 plus the security extensions (RFC 2228, RFC 4217) and
 * extended addressing (RFC 2428), and RFC 3659's restart refusal. Refer to codes by name in server code; a bare number is for tests only.
 */
export const ReplyCode = {
  /** 110 Restart marker reply (RFC 959 §4.2.2). */
  RestartMarker: 110,
  /** 120 Service ready in nnn minutes (RFC 959 §4.2.2). */
  ServiceReadyInMinutes: 120,
  /** 125 Data connection already open; transfer starting (RFC 959 §4.2.2). */
  DataConnectionOpen: 125,
  /** 150 File status okay; about to open data connection (RFC 959 §4.2.2). */
  FileStatusOkay: 150,
  /** 200 Command okay (RFC 959 §4.2.2). */
  CommandOkay: 200,
  /** 202 Command not implemented, superfluous at this site (RFC 959 §4.2.2). */
  CommandNotImplementedSuperfluous: 202,
  /** 211 System status, or system help reply; also the FEAT reply (RFC 959 §4.2.2, RFC 2389 §3.2). */
  SystemStatus: 211,
  /** 212 Directory status (RFC 959 §4.2.2). */
  DirectoryStatus: 212,
  /** 213 File status; also the SIZE and MDTM reply (RFC 959 §4.2.2, RFC 3659 §3-4). */
  FileStatus: 213,
  /** 214 Help message (RFC 959 §4.2.2). */
  HelpMessage: 214,
  /** 215 NAME system type (RFC 959 §4.2.2). */
  SystemType: 215,
  /** 220 Service ready for new user (RFC 959 §4.2.2). */
  ServiceReady: 220,
  /** 221 Service closing control connection (RFC 959 §4.2.2). */
  ClosingControl: 221,
  /** 225 Data connection open; no transfer in progress (RFC 959 §4.2.2). */
  DataConnectionOpenNoTransfer: 225,
  /** 226 Closing data connection; requested file action successful (RFC 959 §4.2.2). */
  ClosingData: 226,
  /** 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2) (RFC 959 §4.2.2). */
  EnteringPassiveMode: 227,
  /** 229 Entering Extended Passive Mode (|||port|) (RFC 2428 §3). */
  EnteringExtendedPassiveMode: 229,
  /** 230 User logged in, proceed (RFC 959 §4.2.2). */
  LoggedIn: 230,
  /** 232 User logged in, authorized by security data exchange (RFC 2228 §5). */
  LoggedInAuthorizedBySecurityData: 232,
  /** 234 Security data exchange complete; the AUTH TLS reply (RFC 2228 §5, RFC 4217 §4.1). */
  SecurityDataExchangeComplete: 234,
  /** 250 Requested file action okay, completed (RFC 959 §4.2.2). */
  FileActionOkay: 250,
  /** 257 "PATHNAME" created (RFC 959 §4.2.2). */
  PathCreated: 257,
  /** 331 User name okay, need password (RFC 959 §4.2.2). */
  NeedPassword: 331,
  /** 332 Need account for login (RFC 959 §4.2.2). */
  NeedAccount: 332,
  /** 334 Requested security mechanism is ok; security data follows (RFC 2228 §5). */
  SecurityMechanismAccepted: 334,
  /** 336 Username okay, need password; challenge follows (RFC 2228 §5). */
  NeedPasswordChallenge: 336,
  /** 350 Requested file action pending further information (RFC 959 §4.2.2). */
  FileActionPending: 350,
  /** 421 Service not available, closing control connection (RFC 959 §4.2.2). */
  ServiceNotAvailable: 421,
  /** 425 Can't open data connection (RFC 959 §4.2.2). */
  CannotOpenDataConnection: 425,
  /** 426 Connection closed; transfer aborted (RFC 959 §4.2.2). */
  ConnectionClosedTransferAborted: 426,
  /** 431 Need some unavailable resource to process security (RFC 2228 §5, RFC 4217 §4.1). */
  SecurityResourceUnavailable: 431,
  /** 450 Requested file action not taken; file unavailable (e.g. busy) (RFC 959 §4.2.2). */
  FileActionNotTakenBusy: 450,
  /** 451 Requested action aborted: local error in processing (RFC 959 §4.2.2). */
  LocalError: 451,
  /** 452 Requested action not taken: insufficient storage space in system (RFC 959 §4.2.2). */
  InsufficientStorage: 452,
  /** 500 Syntax error, command unrecognized; also a line that is too long (RFC 959 §4.2.2). */
  SyntaxError: 500,
  /** 501 Syntax error in parameters or arguments (RFC 959 §4.2.2). */
  SyntaxErrorInArguments: 501,
  /** 502 Command not implemented (RFC 959 §4.2.2). */
  CommandNotImplemented: 502,
  /** 503 Bad sequence of commands (RFC 959 §4.2.2). */
  BadSequence: 503,
  /** 504 Command not implemented for that parameter (RFC 959 §4.2.2). */
  ParameterNotImplemented: 504,
  /** 522 Network protocol not supported, use (1,2) (RFC 2428 §2-3). */
  NetworkProtocolNotSupported: 522,
  /** 530 Not logged in (RFC 959 §4.2.2). */
  NotLoggedIn: 530,
  /** 532 Need account for storing files (RFC 959 §4.2.2). */
  NeedAccountForStoring: 532,
  /** 533 Command protection level denied for policy reasons (RFC 2228 §5, RFC 4217 §9). */
  ProtectionLevelDenied: 533,
  /** 534 Request denied for policy reasons (RFC 2228 §5, RFC 4217 §10). */
  RequestDeniedForPolicy: 534,
  /** 535 Failed security check (RFC 2228 §5). */
  FailedSecurityCheck: 535,
  /** 536 Requested PROT level not supported by mechanism (RFC 2228 §5, RFC 4217 §9). */
  ProtectionLevelNotSupported: 536,
  /** 550 Requested action not taken: file unavailable (not found, no access) (RFC 959 §4.2.2). */
  FileUnavailable: 550,
  /** 551 Requested action aborted: page type unknown (RFC 959 §4.2.2). */
  PageTypeUnknown: 551,
  /** 552 Requested file action aborted: exceeded storage allocation (RFC 959 §4.2.2). */
  ExceededStorageAllocation: 552,
  /** 553 Requested action not taken: file name not allowed (RFC 959 §4.2.2). */
  FileNameNotAllowed: 553,
  /** 554 Requested action not taken: invalid REST parameter (RFC 3659 §5.4). */
  InvalidRestartPoint: 554,
} as const;

/** Any of the named reply codes in {@link ReplyCode}. */
export type ReplyCode = (typeof ReplyCode)[keyof typeof ReplyCode];

/**
 * A fixed, client-safe text for each code, for replies whose detail must not be exposed (the detail goes to the log
 * only, docs/errors.md). Wording follows RFC 959 §4.2.2 where it gives one.
 */
export const standardReplyText: Readonly<Record<ReplyCode, string>> = {
  110: 'Restart marker reply.',
  120: 'Service ready in a few minutes.',
  125: 'Data connection already open; transfer starting.',
  150: 'File status okay; about to open data connection.',
  200: 'Command okay.',
  202: 'Command not implemented, superfluous at this site.',
  211: 'System status.',
  212: 'Directory status.',
  213: 'File status.',
  214: 'Help message.',
  215: 'UNIX Type: L8',
  220: 'Service ready for new user.',
  221: 'Service closing control connection.',
  225: 'Data connection open; no transfer in progress.',
  226: 'Transfer complete.',
  227: 'Entering Passive Mode.',
  229: 'Entering Extended Passive Mode.',
  230: 'User logged in, proceed.',
  232: 'User logged in, authorized by security data exchange.',
  234: 'Security data exchange complete.',
  250: 'Requested file action okay, completed.',
  257: 'Path created.',
  331: 'User name okay, need password.',
  332: 'Need account for login.',
  334: 'Requested security mechanism is ok.',
  336: 'Username okay, need password.',
  350: 'Requested file action pending further information.',
  421: 'Service not available, closing control connection.',
  425: "Can't open data connection.",
  426: 'Connection closed; transfer aborted.',
  431: 'Need some unavailable resource to process security.',
  450: 'Requested file action not taken; try again.',
  451: 'Local error in processing.',
  452: 'Insufficient storage space.',
  500: 'Syntax error, command unrecognized.',
  501: 'Syntax error in parameters or arguments.',
  502: 'Command not implemented.',
  503: 'Bad sequence of commands.',
  504: 'Command not implemented for that parameter.',
  522: 'Network protocol not supported, use (1,2).',
  530: 'Not logged in.',
  532: 'Need account for storing files.',
  533: 'Command protection level denied for policy reasons.',
  534: 'Request denied for policy reasons.',
  535: 'Failed security check.',
  536: 'Requested PROT level not supported by mechanism.',
  550: 'Requested action not taken; file unavailable.',
  551: 'Requested action aborted: page type unknown.',
  552: 'Exceeded storage allocation.',
  553: 'File name not allowed.',
  554: 'Requested action not taken: invalid REST parameter.',
};
