"""serve.py - what every fake server in tests/server shares: listen on a
free loopback port, publish the port in a file (written whole, then
renamed, so a test never reads half a number), serve until killed."""
import os
from http.server import ThreadingHTTPServer


def serve_loopback(handler, port_file):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, port_file)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
