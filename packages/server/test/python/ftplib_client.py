"""Drives the server with Python's standard ftplib and prints one JSON object with what it saw.

Usage: ftplib_client.py <scenario> <host> <port> <user> <password> [scenario arguments...]

Each scenario is a function below; the Node tests (ftplib.int.test.ts, byte-range.int.test.ts) check the printed facts
against the files on disk. ftplib has no RANG of its own: the range scenarios send it with sendcmd, as a client that
knows draft-bryan-ftp-range would, and the transfer that follows is ftplib's own. Errors are printed as {"error": "..."} with exit status 1, so the test shows what went wrong.
"""

import ftplib
import hashlib
import io
import json
import socket
import sys

TIMEOUT_SECONDS = 20


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


def read_file(path):
    with open(path, 'rb') as handle:
        return handle.read()


def connect(host, port, user, password):
    ftp = ftplib.FTP(timeout=TIMEOUT_SECONDS)
    ftp.connect(host, int(port))
    ftp.login(user, password)
    return ftp


def download(ftp, command, rest=None):
    chunks = []
    final = ftp.retrbinary(command, chunks.append, rest=rest)
    return b''.join(chunks), final


def active_roundtrip(ftp, local_path, remote_name):
    """set_pasv(False): ftplib sends PORT (the control connection is IPv4) for both transfers."""
    ftp.set_pasv(False)
    with open(local_path, 'rb') as handle:
        stored = ftp.storbinary('STOR ' + remote_name, handle)
    data, retrieved = download(ftp, 'RETR ' + remote_name)
    return {'stored': stored, 'retrieved': retrieved, 'sha256': sha256_of(data), 'bytes': len(data)}


def eprt_download(ftp, remote_name):
    """EPRT |1|127.0.0.1|port| by hand (ftplib only uses it on IPv6), then RETR over the connection it names."""
    ftp.voidcmd('TYPE I')
    listener = socket.create_server(('127.0.0.1', 0))
    listener.settimeout(TIMEOUT_SECONDS)
    with listener:
        eprt = ftp.sendeprt('127.0.0.1', listener.getsockname()[1])
        opening = ftp.sendcmd('RETR ' + remote_name)
        connection, _ = listener.accept()
        with connection:
            chunks = []
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    final = ftp.voidresp()
    data = b''.join(chunks)
    return {'eprt': eprt, 'opening': opening, 'final': final, 'sha256': sha256_of(data), 'bytes': len(data)}


def ascii_mode(ftp, local_path, remote_name):
    """storlines sends CRLF lines in TYPE A; RETR in TYPE A must put CRLF on the wire; retrlines strips it again."""
    with open(local_path, 'rb') as handle:
        stored = ftp.storlines('STOR ' + remote_name, handle)
    ftp.voidcmd('TYPE A')
    with ftp.transfercmd('RETR ' + remote_name) as connection:
        chunks = []
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    wire_final = ftp.voidresp()
    lines = []
    retrlines_final = ftp.retrlines('RETR ' + remote_name, lines.append)
    return {
        'stored': stored,
        'wire': b''.join(chunks).decode('latin1'),
        'wireFinal': wire_final,
        'lines': lines,
        'retrlinesFinal': retrlines_final,
    }


def name_list(ftp, directory):
    return {'names': ftp.nlst(directory)}


def status(ftp, directory):
    return {'session': ftp.sendcmd('STAT'), 'directory': ftp.sendcmd('STAT ' + directory)}


def machine_listing(ftp, directory, file_path):
    entries = [[name, facts] for name, facts in ftp.mlsd(directory)]
    return {'entries': entries, 'mlst': ftp.sendcmd('MLST ' + file_path)}


def resume_upload(ftp, local_path, remote_name, offset):
    """storbinary(rest=N) sends REST N then STOR; the caller positions the local file at N, as ftplib expects."""
    with open(local_path, 'rb') as handle:
        handle.seek(int(offset))
        final = ftp.storbinary('STOR ' + remote_name, handle, rest=int(offset))
    return {'final': final}


def resume_download(ftp, remote_name, offset):
    data, final = download(ftp, 'RETR ' + remote_name, rest=int(offset))
    return {'final': final, 'sha256': sha256_of(data), 'bytes': len(data)}


def abort_download(ftp, remote_name, read_bytes):
    """Reads part of a large RETR, then ftp.abort(): RFC 959 §4.1.3 wants 426 for the transfer, then 226 for ABOR."""
    ftp.voidcmd('TYPE I')
    connection = ftp.transfercmd('RETR ' + remote_name)
    received = 0
    while received < int(read_bytes):
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += len(chunk)
    first = ftp.abort()
    second = ftp.getresp() if first.startswith('426') else None
    connection.close()
    return {'received': received, 'first': first, 'second': second, 'noop': ftp.voidcmd('NOOP'), 'pwd': ftp.pwd()}


def unique_upload(ftp, content):
    """STOU with a passive data connection: the 150 reply names the file the server chose (RFC 1123 §4.1.2.9)."""
    ftp.voidcmd('TYPE I')
    host, port = ftp.makepasv()
    with socket.create_connection((host, port), TIMEOUT_SECONDS) as connection:
        opening = ftp.sendcmd('STOU')
        connection.sendall(content.encode('utf8'))
    final = ftp.voidresp()
    return {'opening': opening, 'final': final}


def append_upload(ftp, remote_name, content):
    final = ftp.storbinary('APPE ' + remote_name, io.BytesIO(content.encode('utf8')))
    return {'final': final}


def counted_download(ftp, command):
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
    ftp.voidcmd('TYPE I')
    rang = ftp.sendcmd('RANG %s %s' % (first, last))
    data, announced, final = counted_download(ftp, 'RETR ' + remote_name)
    whole, _, _ = counted_download(ftp, 'RETR ' + remote_name)
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
    ftp.voidcmd('TYPE I')
    rang = ftp.sendcmd('RANG %s %s' % (first, last))
    hashed = ftp.sendcmd('HASH ' + remote_name)
    ftp.sendcmd('RANG %s %s' % (first, last))
    data, _, _ = counted_download(ftp, 'RETR ' + remote_name)
    return {'rang': rang, 'hash': hashed, 'downloadedSha256': sha256_of(data), 'downloadedBytes': len(data)}


def range_upload(ftp, remote_name, first, last, local_path):
    """RANG then STOR of a local file; a refusal (before or after 150) is reported as its reply, not as a failure."""
    ftp.voidcmd('TYPE I')
    rang = ftp.sendcmd('RANG %s %s' % (first, last))
    try:
        with open(local_path, 'rb') as handle:
            final = ftp.storbinary('STOR ' + remote_name, handle)
    except (ftplib.error_perm, ftplib.error_temp) as refusal:
        final = str(refusal)
    return {'rang': rang, 'final': final, 'noop': ftp.sendcmd('NOOP')}


SCENARIOS = {
    'active-roundtrip': active_roundtrip,
    'eprt-download': eprt_download,
    'ascii': ascii_mode,
    'nlst': name_list,
    'stat': status,
    'mlsd': machine_listing,
    'resume-upload': resume_upload,
    'resume-download': resume_download,
    'abort': abort_download,
    'stou': unique_upload,
    'appe': append_upload,
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
