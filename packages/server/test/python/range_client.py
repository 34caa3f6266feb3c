"""Drives RANG (draft-bryan-ftp-range) with Python's standard ftplib and prints one JSON object with what it saw.

Usage: range_client.py <scenario> <host> <port> <user> <password> [scenario arguments...]

ftplib has no RANG of its own: it is sent with sendcmd, as a client that knows the draft would, and the transfer that
follows is ftplib's own. The Node test (byte-range.int.test.ts) checks the printed facts against the files on disk.
Errors are printed as {"error": "..."} with exit status 1.
"""

import ftplib
import hashlib
import json
import sys

TIMEOUT_SECONDS = 20


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


def connect(host, port, user, password):
    ftp = ftplib.FTP(timeout=TIMEOUT_SECONDS)
    ftp.connect(host, int(port))
    ftp.login(user, password)
    ftp.voidcmd('TYPE I')
    return ftp


def download(ftp, command):
    """RETR through ntransfercmd, which also reads the byte count the 150 reply announces."""
    connection, announced = ftp.ntransfercmd(command)
    chunks = []
    with connection:
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    final = ftp.voidresp()
    return b''.join(chunks), announced, final


def range_download(ftp, remote_name, first, last):
    """RANG then RETR: the range's bytes; the RETR after it sends the whole file again (the range is used up)."""
    rang = ftp.sendcmd('RANG %s %s' % (first, last))
    data, announced, final = download(ftp, 'RETR ' + remote_name)
    whole, _, _ = download(ftp, 'RETR ' + remote_name)
    return {
        'rang': rang,
        'announced': announced,
        'final': final,
        'bytes': len(data),
        'sha256': sha256_of(data),
        'sliceOfWhole': data == whole[int(first):int(last) + 1],
        'wholeBytes': len(whole),
    }


def range_hash(ftp, remote_name, first, last):
    """RANG then HASH; then the same range downloaded, hashed here with hashlib, to compare with the server's digest."""
    rang = ftp.sendcmd('RANG %s %s' % (first, last))
    hashed = ftp.sendcmd('HASH ' + remote_name)
    ftp.sendcmd('RANG %s %s' % (first, last))
    data, _, _ = download(ftp, 'RETR ' + remote_name)
    return {'rang': rang, 'hash': hashed, 'downloadedSha256': sha256_of(data), 'downloadedBytes': len(data)}


def range_upload(ftp, remote_name, first, last, local_path):
    """RANG then STOR of a local file; a refusal (before or after 150) is reported as its reply, not as a failure."""
    rang = ftp.sendcmd('RANG %s %s' % (first, last))
    try:
        with open(local_path, 'rb') as handle:
            final = ftp.storbinary('STOR ' + remote_name, handle)
    except (ftplib.error_perm, ftplib.error_temp) as refusal:
        final = str(refusal)
    return {'rang': rang, 'final': final, 'noop': ftp.sendcmd('NOOP')}


SCENARIOS = {
    'range-download': range_download,
    'range-hash': range_hash,
    'range-upload': range_upload,
}


def main(arguments):
    scenario, host, port, user, password, *rest = arguments
    ftp = connect(host, port, user, password)
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
