"""Drives the server with Python's standard ftplib and prints one JSON object with what it saw.

Usage: ftplib_client.py <scenario> <host> <port> <user> <password> [scenario arguments...]

Each scenario is a function below; the Node test (ftplib.int.test.ts) checks the printed facts against the files on
disk. Errors are printed as {"error": "..."} with exit status 1, so the test shows what went wrong.
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
