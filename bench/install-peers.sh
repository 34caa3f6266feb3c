#!/bin/sh
# Fetches the Debian FTP peers the benchmark compares against, without installing the conflicting packages:
# vsftpd and pure-ftpd are unpacked with dpkg-deb -x into bench/.peers/ (gitignored); pyftpdlib is a plain
# Python library and installs as python3-pyftpdlib (for /usr/bin/python3). Needs root for apt-get.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
peers="$here/.peers"
mkdir -p "$peers/debs"
apt-get update -qq
cd "$peers/debs"
for package in vsftpd pure-ftpd; do
  rm -f "${package}"_*.deb
  apt-get download -qq "$package"
  dpkg-deb -x "${package}"_*.deb "$peers/$package"
done
# vsftpd links libwrap (TCP wrappers), which a minimal system lacks: unpacked beside it, found via LD_LIBRARY_PATH.
rm -f libwrap0_*.deb
apt-get download -qq libwrap0
dpkg-deb -x libwrap0_*.deb "$peers/vsftpd"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pyftpdlib >/dev/null
echo "vsftpd:    $(ls "$peers"/vsftpd/usr/sbin/vsftpd)"
echo "pure-ftpd: $(ls "$peers"/pure-ftpd/usr/sbin/pure-ftpd)"
echo "pyftpdlib: $(/usr/bin/python3 -c 'import pyftpdlib; print(pyftpdlib.__file__)')"
