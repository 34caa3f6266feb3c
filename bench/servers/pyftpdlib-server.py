# pyftpdlib (Debian python3-pyftpdlib), the Python peer: python3 pyftpdlib-server.py ROOT PORT.
import json
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

root, port = sys.argv[1], int(sys.argv[2])
logging.basicConfig(level=logging.ERROR)
authorizer = DummyAuthorizer()
authorizer.add_anonymous(root, perm="elradfmwMT")
handler = FTPHandler
handler.authorizer = authorizer
server = FTPServer(("127.0.0.1", port), handler)
server.max_cons = 10000
server.max_cons_per_ip = 0
print(json.dumps({"port": port}), flush=True)
server.serve_forever()
