"""Drives the server over FTPS (RFC 4217) with Python's standard ftplib and prints one JSON object with what it saw.

Usage: ftps_client.py <scenario> <mode> <host> <port> <user> <password> <cafile> [scenario arguments...]

mode is "explicit" (AUTH TLS on the normal port), "implicit" (TLS from the first byte), "explicit-stock" (ftplib's own
FTP_TLS, whose data connections do not resume the control connection's TLS session) or "explicit-clear" (AUTH TLS
but PROT C). The Node test (ftps-ftplib.int.test.ts) checks the printed facts against the files on disk. Errors are
printed as {"error": "..."} with exit status 1.
"""

import ftplib
import hashlib
import json
import socket
import ssl
import sys

TIMEOUT_SECONDS = 20


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


class SessionReusingFTP_TLS(ftplib.FTP_TLS):
    """FTP_TLS whose protected data connections resume the control connection's TLS session.

    The stock ntransfercmd wraps the data socket without a session, so a server that requires session reuse (as
    vsftpd's require_ssl_reuse) refuses it.
    """

    def ntransfercmd(self, cmd, rest=None):
        connection, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            connection = self.context.wrap_socket(connection, server_hostname=self.host, session=self.sock.session)
        return connection, size


class ImplicitFTP_TLS(SessionReusingFTP_TLS):
    """Implicit FTPS: the control connection is TLS from connect, no AUTH TLS."""

    def connect(self, host='', port=0, timeout=-999, source_address=None):
        self.host = host
        self.port = port
        if timeout != -999:
            self.timeout = timeout
        plain = socket.create_connection((self.host, self.port), self.timeout)
        self.af = plain.family
        self.sock = self.context.wrap_socket(plain, server_hostname=self.host)
        self.file = self.sock.makefile('r', encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


def connect(mode, host, port, user, password, cafile):
    context = ssl.create_default_context(cafile=cafile)
    if mode == 'implicit':
        ftp = ImplicitFTP_TLS(context=context, timeout=TIMEOUT_SECONDS)
    elif mode == 'explicit-stock':
        ftp = ftplib.FTP_TLS(context=context, timeout=TIMEOUT_SECONDS)
    else:
        ftp = SessionReusingFTP_TLS(context=context, timeout=TIMEOUT_SECONDS)
    ftp.connect(host, int(port))
    # FTP_TLS.login sends AUTH TLS first unless the control connection is secure already (implicit).
    ftp.login(user, password, secure=True)
    if mode == 'explicit-clear':
        # RFC 4217 §9: PBSZ must precede PROT; ftplib's prot_c does not send it.
        ftp.voidcmd('PBSZ 0')
        ftp.prot_c()
    else:
        ftp.prot_p()
    return ftp


def download(ftp, remote_name, rest=None):
    chunks = []
    final = ftp.retrbinary('RETR ' + remote_name, chunks.append, rest=rest)
    return b''.join(chunks), final


def roundtrip(ftp, local_path, remote_name, offset):
    """Upload, list, download, then resume an upload (REST+STOR) and a download (REST+RETR) at offset."""
    offset = int(offset)
    with open(local_path, 'rb') as handle:
        stored = ftp.storbinary('STOR ' + remote_name, handle)
    names = ftp.nlst()
    lines = []
    listed = ftp.retrlines('LIST', lines.append)
    data, retrieved = download(ftp, remote_name)
    with open(local_path, 'rb') as handle:
        handle.seek(offset)
        resumed_upload = ftp.storbinary('STOR resumed-' + remote_name, handle, rest=offset)
    tail, resumed_download = download(ftp, remote_name, rest=offset)
    return {
        'cipher': ftp.sock.cipher()[0],
        'version': ftp.sock.version(),
        'stored': stored,
        'names': names,
        'list': lines,
        'listed': listed,
        'retrieved': retrieved,
        'sha256': sha256_of(data),
        'resumedUpload': resumed_upload,
        'resumedDownload': resumed_download,
        'tailSha256': sha256_of(tail),
    }


def try_download(ftp, remote_name):
    """A download whose refusal is reported instead of raised: {'refused': '522 ...'} or {'final', 'sha256'}."""
    try:
        data, final = download(ftp, remote_name)
        return {'final': final, 'sha256': sha256_of(data)}
    except ftplib.error_perm as error:
        return {'refused': str(error)}
    except (OSError, EOFError):
        # The server may close the data connection under the client's reads; the control reply says why.
        try:
            return {'refused': ftp.getresp()}
        except ftplib.error_perm as error:
            return {'refused': str(error)}


def download_then_noop(ftp, remote_name):
    result = try_download(ftp, remote_name)
    result['noop'] = ftp.voidcmd('NOOP')
    return result


SCENARIOS = {
    'roundtrip': roundtrip,
    'download': download_then_noop,
}


def main(arguments):
    scenario, mode, host, port, user, password, cafile, *rest = arguments
    ftp = connect(mode, host, port, user, password, cafile)
    try:
        result = SCENARIOS[scenario](ftp, *rest)
        result['quit'] = ftp.quit()
    finally:
        ftp.close()
    print(json.dumps(result))


if __name__ == '__main__':
    try:
        main(sys.argv[1:])
    except Exception as error:  # report any failure as JSON for the test to show
        print(json.dumps({'error': '%s: %s' % (type(error).__name__, error)}))
        sys.exit(1)
