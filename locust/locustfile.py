"""Locust load scenario for the chat room (locust 2.x, websocket-client).

Every simulated user opens one WebSocket to the chat server with its own
name in the `username` header and, every 2 seconds, says something (`talk`)
and asks who is online (`userlist`). A background greenlet reads everything
the server sends. Every step is reported to locust as a "WS" request:

    connect          WebSocket handshake; a refusal (400, 409, 503, no server)
                     is a failure with its reason
    send talk        writing a talk frame
    send userlist    writing a userlist frame
    userlist reply   from a userlist request to its reply
    talk delivered   from sending a talk to receiving it back from the room
                     (the content carries the send time in ms); a talk not
                     back within TALK_DEADLINE_S is a failure
    order            a live talk/join/leave whose seq is not above the last one
    server error     any `error` frame from the server (always a failure)
    closed           the server or the network closing the connection while
                     the user was not leaving (always a failure)
    exit             on stop: from `exit` to the server's close 1000

Run it against a running server (the path /ws is added when the host has none):

    locust -f locust/locustfile.py --headless -u 100 -r 50 -t 30s \
        --host ws://127.0.0.1:9000 --only-summary

`bash scripts/locust-smoke.sh` does all of it on a free loopback port.
Environment: LOCUST_USERNAME_PREFIX (default "locust") starts every name.
"""

import itertools
import os
import secrets
import socket
import struct
import time
from collections import deque
from urllib.parse import urlsplit, urlunsplit

import gevent
import websocket
from locust import User, constant_pacing, task

import chat_message_pb2 as pb

CONNECT_TIMEOUT_S = 10  # handshake bound; reads block without a timeout after it
TALK_DEADLINE_S = 10  # a talk not back from the room after this long is lost
EXIT_WAIT_S = 5  # how long a leaving user waits for the server's close

_PREFIX = os.environ.get("LOCUST_USERNAME_PREFIX", "locust")
_RUN_ID = secrets.token_hex(4)  # unique per locust process
_counter = itertools.count(1)


def ws_url(host):
    """ws://HOST:PORT → ws://HOST:PORT/ws; http(s) becomes ws(s)."""
    if not host:
        raise ValueError("no host: pass --host ws://127.0.0.1:PORT")
    if "://" not in host:
        host = "ws://" + host
    parts = urlsplit(host)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path not in ("", "/") else "/ws"
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


def refusal_body(sock, headers):
    """The plain-text reason in the body of a refused handshake, or ""."""
    if sock is None:
        return ""
    try:
        n = min(int((headers or {}).get("content-length", "0")), 4096)
        sock.settimeout(2)
        body = b""
        while len(body) < n:
            chunk = sock.recv(n - len(body))
            if not chunk:
                break
            body += chunk
        return body.decode("utf-8", "replace").strip()
    except (OSError, ValueError):
        return ""


def now_ms():
    return time.time() * 1000.0


class ChatUser(User):
    """One chat client: one connection, one talk and one userlist every 2 s."""

    wait_time = constant_pacing(2)

    def __init__(self, environment):
        super().__init__(environment)
        self.username = f"{_PREFIX}-{_RUN_ID}-{next(_counter)}"
        self.url = ws_url(self.host or environment.host)
        self.ws = None
        self.reader = None
        self.leaving = False
        self.closed_code = None  # close code the server sent, once it did
        self.talk_no = 0
        self.pending_talks = {}  # talk number → wall-clock send time (ms)
        self.pending_userlists = deque()  # perf_counter() of each request
        self.initial_userlist = True  # the first userlist frame is unasked
        self.own_join_seq = None
        self.last_seq = 0

    # -- reporting ---------------------------------------------------------

    def report(self, name, response_time, length=0, exception=None):
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=response_time,
            response_length=length,
            exception=exception,
            context={"user": self.username},
        )

    # -- lifecycle ---------------------------------------------------------

    def on_start(self):
        self.connect()

    def on_stop(self):
        self.leaving = True
        ws, reader = self.ws, self.reader
        if ws is None:
            return
        self.check_lost_talks()
        start = time.perf_counter()
        try:
            self.send("exit")
        except Exception as e:  # noqa: BLE001 - anything is a failed exit
            self.report("exit", 0, exception=e)
        else:
            # The reader gets the server's close frame, answers it and ends.
            # It owns the socket's reads: ws.close() would read concurrently,
            # which gevent refuses, so wait for the reader instead.
            if reader is not None:
                reader.join(timeout=EXIT_WAIT_S)
            elapsed = (time.perf_counter() - start) * 1000
            if self.closed_code == 1000:
                self.report("exit", elapsed)
            elif self.closed_code is None:
                self.report("exit", elapsed, exception=Exception(f"no close within {EXIT_WAIT_S}s after exit"))
            else:
                self.report("exit", elapsed, exception=Exception(f"closed with {self.closed_code} after exit"))
        self.drop_connection()

    def drop_connection(self):
        ws, reader = self.ws, self.reader
        self.ws = self.reader = None
        if reader is not None and not reader.dead and reader is not gevent.getcurrent():
            reader.kill(block=True, timeout=2)
        if ws is not None:
            try:
                ws.shutdown()
            except Exception:  # noqa: BLE001 - closing a dead socket
                pass

    def connect(self):
        self.closed_code = None
        self.pending_talks.clear()
        self.pending_userlists.clear()
        self.initial_userlist = True
        self.own_join_seq = None
        self.last_seq = 0
        start = time.perf_counter()
        sock = spare = None
        try:
            if urlsplit(self.url).scheme == "ws":
                # Our own socket, and a duplicate of it: websocket-client reads
                # only the status line and headers of a refusal, so the reason
                # the server wrote in the body can still be read through the
                # duplicate after websocket-client has closed its socket.
                parts = urlsplit(self.url)
                sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=CONNECT_TIMEOUT_S)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                spare = sock.dup()
            ws = websocket.create_connection(
                self.url,
                timeout=CONNECT_TIMEOUT_S,
                header={"username": self.username},
                socket=sock,
                # no "chatroom.v2": one ChatRoomRequest per frame, like the spec's clients
            )
        except websocket.WebSocketBadStatusException as e:
            # e.g. "HTTP 409: username already online"
            reason = refusal_body(spare, e.resp_headers) or str(e)
            self.report("connect", (time.perf_counter() - start) * 1000, exception=Exception(f"HTTP {e.status_code}: {reason}"))
            return False
        except Exception as e:  # noqa: BLE001 - refused, timed out, reset...
            if sock is not None:
                sock.close()
            self.report("connect", (time.perf_counter() - start) * 1000, exception=Exception(f"{type(e).__name__}: {e}"))
            return False
        finally:
            if spare is not None:
                spare.close()
        self.report("connect", (time.perf_counter() - start) * 1000)
        ws.settimeout(None)  # the reader blocks until the next frame, however long
        self.ws = ws
        self.reader = gevent.spawn(self.read_loop, ws)
        return True

    # -- tasks -------------------------------------------------------------

    @task
    def chat(self):
        if self.ws is None and not self.connect():
            return
        self.check_lost_talks()
        self.talk_no += 1
        sent = now_ms()
        self.pending_talks[self.talk_no] = sent
        self.timed_send("send talk", "talk", f"talk {self.talk_no} from {self.username} sent_ms={sent:.3f}")
        if self.ws is None:
            return
        self.pending_userlists.append(time.perf_counter())
        self.timed_send("send userlist", "userlist")

    def send(self, type_, content=""):
        data = pb.ChatRoomRequest(type=type_, content=content).SerializeToString()
        self.ws.send(data, opcode=websocket.ABNF.OPCODE_BINARY)
        return len(data)

    def timed_send(self, name, type_, content=""):
        start = time.perf_counter()
        try:
            n = self.send(type_, content)
        except Exception as e:  # noqa: BLE001 - the connection broke
            self.report(name, (time.perf_counter() - start) * 1000, exception=Exception(f"{type(e).__name__}: {e}"))
            self.drop_connection()
            return
        self.report(name, (time.perf_counter() - start) * 1000, n)

    def check_lost_talks(self):
        deadline = now_ms() - TALK_DEADLINE_S * 1000
        for n, sent in list(self.pending_talks.items()):
            if sent < deadline:
                del self.pending_talks[n]
                self.report("talk delivered", now_ms() - sent, exception=Exception(f"talk not back within {TALK_DEADLINE_S}s"))

    # -- reading -----------------------------------------------------------

    def read_loop(self, ws):
        """Reads every frame until the connection ends (runs in its own greenlet)."""
        try:
            while True:
                opcode, data = ws.recv_data()
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
                    reason = data[2:].decode("utf-8", "replace")
                    self.closed_code = code
                    if not self.leaving:
                        self.report("closed", 0, exception=Exception(f"server closed the connection: {code} {reason}"))
                    break
                self.handle(data)
        except gevent.GreenletExit:
            raise
        except Exception as e:  # noqa: BLE001 - connection lost
            if not self.leaving:
                self.report("closed", 0, exception=Exception(f"connection lost: {type(e).__name__}: {e}"))
        if not self.leaving and self.ws is ws:
            self.ws = self.reader = None  # the next task reconnects
            try:
                ws.shutdown()
            except Exception:  # noqa: BLE001
                pass

    def handle(self, data):
        msg = pb.ChatRoomRequest()
        try:
            msg.ParseFromString(data)
        except Exception as e:  # noqa: BLE001 - garbage from the server
            self.report("server error", 0, len(data), Exception(f"undecodable frame: {e}"))
            return
        t = msg.type
        if msg.seq and t in ("talk", "join", "leave"):
            self.check_order(msg)
        if t == "talk":
            if msg.user_name == self.username:
                self.talk_back(msg, len(data))
        elif t == "userlist":
            if self.initial_userlist:  # sent by the server right after our join
                self.initial_userlist = False
                if self.username not in msg.user_list:
                    self.report("userlist reply", 0, len(data), Exception("own name missing from the user list"))
                return
            if self.pending_userlists:
                start = self.pending_userlists.popleft()
                exc = None if self.username in msg.user_list else Exception("own name missing from the user list")
                self.report("userlist reply", (time.perf_counter() - start) * 1000, len(data), exc)
        elif t == "error":
            self.report("server error", 0, len(data), Exception(f"server error: {msg.content}"))
        elif t == "join":
            if self.own_join_seq is None and msg.user_name == self.username:
                self.own_join_seq = msg.seq
                self.last_seq = msg.seq
        # "leave" needs nothing

    def check_order(self, msg):
        if self.own_join_seq is None or msg.seq < self.own_join_seq:
            return  # our own join, or the history replayed after it
        if msg.seq == self.own_join_seq and msg.type == "join" and msg.user_name == self.username:
            return
        if msg.seq <= self.last_seq:
            self.report("order", 0, exception=Exception("live event with a seq not above the previous one"))
        self.last_seq = max(self.last_seq, msg.seq)

    def talk_back(self, msg, length):
        content = msg.content
        try:
            n = int(content.split(" ", 2)[1])
            sent = float(content.rsplit("sent_ms=", 1)[1])
        except (IndexError, ValueError):
            self.report("talk delivered", 0, length, Exception("own talk came back altered"))
            return
        if self.pending_talks.pop(n, None) is None:
            return  # already reported lost, or from before a reconnect
        self.report("talk delivered", now_ms() - sent, length)
