# Two faulty "MLflow servers" for the tracking benchmark:
#   health-only on PORT_A: /health answers 200, every other request hangs;
#   silent on PORT_B: accepts TCP connections and never answers.
import socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            self.send_response(200); self.end_headers(); self.wfile.write(b"OK")
        else:
            time.sleep(10**6)
    do_POST = do_GET
    def log_message(self, *a): pass
a, b = int(sys.argv[1]), int(sys.argv[2])
threading.Thread(target=ThreadingHTTPServer(("127.0.0.1", a), H).serve_forever, daemon=True).start()
s = socket.socket(); s.bind(("127.0.0.1", b)); s.listen(100)
held = []
while True:
    c, _ = s.accept(); held.append(c)
