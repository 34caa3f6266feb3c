"""Python's ftplib speaking a legacy charset (FTP(encoding=...), as on a Chinese Windows code page).

Usage: ftplib_charset_client.py HOST PORT ENCODING DIRECTORY FILENAME
Makes DIRECTORY, enters it, stores FILENAME, lists and retrieves it, and prints what it saw as JSON.
"""

import ftplib
import io
import json
import sys


def main() -> None:
    host, port, encoding, directory, filename = sys.argv[1:6]
    ftp = ftplib.FTP(encoding=encoding, timeout=30)
    ftp.connect(host, int(port))
    ftp.login("legacy", "any")
    made = ftp.mkd(directory)
    ftp.cwd(directory)
    pwd = ftp.pwd()
    ftp.storbinary("STOR " + filename, io.BytesIO(b"hello from ftplib"))
    names = ftp.nlst()
    lines = []
    ftp.retrlines("LIST", lines.append)
    retrieved = io.BytesIO()
    ftp.retrbinary("RETR " + filename, retrieved.write)
    ftp.quit()
    print(
        json.dumps(
            {
                "mkd": made,
                "pwd": pwd,
                "nlst": names,
                "listEndsWith": len(lines) == 1 and lines[0].endswith(" " + filename),
                "retrieved": retrieved.getvalue().decode("ascii"),
            }
        )
    )


if __name__ == "__main__":
    main()
