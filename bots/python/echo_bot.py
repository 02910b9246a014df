#!/usr/bin/env python3
"""The echo bot in Python (grpcio), on code generated from proto/ (bots/python/gen, see buf.gen.yaml).

Answers every message with "echo: <text>", as bots/src/echo-bot.ts does on the TypeScript SDK:
- it connects with an API token (`authorization: Bearer chatbot_...`), never a password;
- it skips the messages of other bots unless --listen-to-bots (two echo bots would answer each other
  forever), and always its own;
- it keeps, per conversation, the seq of the last message it handled in STATE/cursors.json (written
  atomically) and resumes from it on every reconnect and restart, so nothing is lost;
- each reply's client_message_id derives from the message it answers, so a message handled again
  after a crash is stored once: nothing is answered twice;
- it reconnects by itself, with exponential backoff and jitter, and gives up only on a refused token.

    python bots/python/echo_bot.py --server 127.0.0.1:8080 --token chatbot_... --state .echo-bot-py
"""
import argparse
import json
import os
import queue
import random
import signal
import sys
import threading

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))
from chat.v1 import live_pb2, live_pb2_grpc, user_pb2, user_pb2_grpc  # noqa: E402

CALL_TIMEOUT_S = 10  # deadline of every unary call
MAX_KNOWN_USERS = 10_000  # the sender cache is keyed by what others send: keep it bounded


def log(line: str) -> None:
    print(f"echo-bot-py: {line}", file=sys.stderr, flush=True)


class Cursors:
    """The last handled seq per conversation, in a JSON file (the TypeScript SDK's format)."""

    def __init__(self, path: str):
        self.path = path
        self.seqs: dict[str, int] = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                self.seqs = {conv: int(seq) for conv, seq in json.load(f).items()}

    def save(self, conversation_id: str, seq: int) -> None:
        if self.seqs.get(conversation_id, -1) >= seq:
            return
        self.seqs[conversation_id] = seq
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        # Through a temporary file and a rename: a crash mid-write leaves the previous version.
        with open(f"{self.path}.tmp", "w", encoding="utf-8") as f:
            json.dump({conv: str(s) for conv, s in self.seqs.items()}, f)
        os.replace(f"{self.path}.tmp", self.path)


class EchoBot:
    def __init__(self, server: str, token: str, state: str, listen_to_bots: bool, tls: bool, ca_file: str):
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.channel = open_channel(server, tls, ca_file)
        self.live = live_pb2_grpc.LiveServiceStub(self.channel)
        self.users = user_pb2_grpc.UserServiceStub(self.channel)
        self.auth = user_pb2_grpc.AuthServiceStub(self.channel)
        self.cursors = Cursors(os.path.join(state, "cursors.json"))
        self.listen_to_bots = listen_to_bots
        self.known: dict[str, user_pb2.User] = {}
        self.stopping = threading.Event()
        self.me = self.auth.WhoAmI(user_pb2.WhoAmIRequest(), metadata=self.metadata, timeout=CALL_TIMEOUT_S).user

    def run(self) -> None:
        """Keeps one Stream up until stopped: reconnects with backoff, resumes from the cursors."""
        failures = 0
        while not self.stopping.is_set():
            try:
                self.stream_once(on_ready=lambda: log(f"@{self.me.username} ({self.me.id}) online"))
                failures = 0  # the server ended the stream cleanly: reconnect after a breath
                self.stopping.wait(0.25)
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.UNAUTHENTICATED:
                    log(f"the token was refused ({err.details()}); its owner can issue a new one")
                    sys.exit(1)
                if self.stopping.is_set():
                    return
                failures += 1
                delay = random.uniform(0, min(10.0, 0.25 * 2**failures))  # full jitter
                log(f"stream lost ({err.code().name}: {err.details()}); reconnecting in {delay:.2f} s")
                self.stopping.wait(delay)

    def stream_once(self, on_ready) -> None:
        outgoing: queue.Queue = queue.Queue()
        heartbeat_stop = threading.Event()

        def requests():
            while (frame := outgoing.get()) is not None:
                yield frame

        call = self.live.Stream(requests(), metadata=self.metadata)
        self.current = call
        try:
            for response in call:
                frame = response.frame
                kind = frame.WhichOneof("frame")
                if kind == "ready":
                    cursors = [live_pb2.Cursor(conversation_id=c, seq=s) for c, s in self.cursors.seqs.items()]
                    outgoing.put(live_pb2.StreamRequest(resume=live_pb2.ResumeRequest(cursors=cursors)))
                    interval = frame.ready.heartbeat_interval_ms / 1000
                    threading.Thread(target=self.heartbeat, args=(outgoing, interval, heartbeat_stop), daemon=True).start()
                    on_ready()
                elif kind == "message":
                    self.handle(frame.message, outgoing)
                elif kind == "error":
                    log(f"frame refused: {live_pb2.ErrorCode.Name(frame.error.code)} {frame.error.message}")
        finally:
            heartbeat_stop.set()
            outgoing.put(None)

    @staticmethod
    def heartbeat(outgoing: queue.Queue, interval: float, stop: threading.Event) -> None:
        while not stop.wait(interval):
            outgoing.put(live_pb2.StreamRequest(heartbeat=live_pb2.HeartbeatRequest()))

    def handle(self, message, outgoing: queue.Queue) -> None:
        if message.seq <= self.cursors.seqs.get(message.conversation_id, 0):
            return  # handled before (a replay overlapping what arrived live)
        # System events ("alice added bob") and update entries (edits, deletes, reactions) get no answer.
        spoken = message.WhichOneof("content") not in ("system_event", "update")
        if spoken and message.sender_id != self.me.id:
            sender = self.lookup(message.sender_id)
            if not sender.bot or self.listen_to_bots:
                self.reply(message, f"echo: {message.text}")
        self.cursors.save(message.conversation_id, message.seq)
        outgoing.put(live_pb2.StreamRequest(mark_read=live_pb2.MarkReadRequest(conversation_id=message.conversation_id, seq=message.seq)))

    def reply(self, message, text: str) -> None:
        """Answers a message. A refusal that waiting cures (the node or the database is down, the bot's
        rate limit) raises, so the stream reconnects and the message is handled again; any other is
        logged and the message counts as handled, lest one bad message stop the bot for good."""
        try:
            self.live.SendMessage(live_pb2.SendMessageRequest(
                conversation_id=message.conversation_id, text=text,
                client_message_id=f"reply-{message.conversation_id}-{message.seq}-0",
            ), metadata=self.metadata, timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as err:
            if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED):
                raise
            log(f"could not answer message {message.seq} of {message.conversation_id}: {err.code().name} {err.details()}")

    def lookup(self, user_id: str) -> user_pb2.User:
        if user_id not in self.known:
            users = self.users.GetUsers(user_pb2.GetUsersRequest(user_ids=[user_id]), metadata=self.metadata, timeout=CALL_TIMEOUT_S).users
            if len(self.known) >= MAX_KNOWN_USERS:
                self.known.clear()
            self.known[user_id] = users[0]
        return self.known[user_id]

    def stop(self) -> None:
        self.stopping.set()
        current = getattr(self, "current", None)
        if current is not None:
            current.cancel()


def open_channel(server: str, tls: bool, ca_file: str) -> grpc.Channel:
    """A channel over TLS when asked (--tls, or --ca-file for a private CA), else plaintext h2c."""
    if not tls and not ca_file:
        return grpc.insecure_channel(server)
    roots = None
    if ca_file:
        with open(ca_file, "rb") as f:
            roots = f.read()
    return grpc.secure_channel(server, grpc.ssl_channel_credentials(root_certificates=roots))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("CHAT_SERVER", "127.0.0.1:8080"))
    parser.add_argument("--token", default=os.environ.get("CHAT_BOT_TOKEN", ""))
    parser.add_argument("--state", default=os.environ.get("CHAT_BOT_STATE", ".echo-bot-py"))
    parser.add_argument("--listen-to-bots", action="store_true", help="also answer other bots (they may answer back)")
    parser.add_argument("--tls", action="store_true", help="connect over TLS, trusting the system's CAs")
    parser.add_argument("--ca-file", default=os.environ.get("CHAT_CA_FILE", ""), help="connect over TLS, trusting this CA (PEM)")
    args = parser.parse_args()
    if not args.token:
        log("set --token or CHAT_BOT_TOKEN (its owner creates one with BotService.CreateBotToken; see bots/README.md)")
        sys.exit(2)
    bot = EchoBot(args.server, args.token, args.state, args.listen_to_bots, args.tls, args.ca_file)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: bot.stop())
    bot.run()


if __name__ == "__main__":
    main()
