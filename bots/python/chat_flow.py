#!/usr/bin/env python3
"""The whole chat flow from Python (grpcio), on code generated from proto/: what any gRPC client does.

Three people register and log in; they talk in a direct conversation and a group over the
bidirectional LiveService.Stream (sends answered by ACKs, receipts, typing, presence), one of them
drops off and resumes without a gap or a duplicate, the history pages, a stranger is kept out, and
bad input gets its precise status code. Every step checks what the server answered and prints
"ok: <step>"; the first surprise raises and the script exits non-zero.

    python bots/python/chat_flow.py --server 127.0.0.1:8080 --prefix demo
"""
import argparse
import os
import queue
import sys
import threading
import time
import uuid

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))
from chat.v1 import conversation_pb2, conversation_pb2_grpc, live_pb2, live_pb2_grpc  # noqa: E402
from chat.v1 import message_pb2, message_pb2_grpc, user_pb2, user_pb2_grpc  # noqa: E402

PASSWORD = "correct horse battery"


def ok(step: str) -> None:
    print(f"ok: {step}", flush=True)


def got(value) -> bool:
    """Whether a wait's check found something (None, False and [] mean not yet)."""
    return value is not None and value is not False and not (isinstance(value, list) and not value)


def bearer(token: str):
    return (("authorization", f"Bearer {token}"),)


def code_of(call) -> grpc.StatusCode:
    """The status a call fails with (OK when it succeeds)."""
    try:
        call()
    except grpc.RpcError as err:
        return err.code()
    return grpc.StatusCode.OK


class Person:
    """A logged-in device: a token and stubs that carry it."""

    def __init__(self, channel, username: str, token: str, user_id: str):
        self.username, self.token, self.id = username, token, user_id
        self.md = bearer(token)
        self.live = live_pb2_grpc.LiveServiceStub(channel)
        self.conversations = conversation_pb2_grpc.ConversationServiceStub(channel)
        self.history = message_pb2_grpc.HistoryServiceStub(channel)
        self.channel = channel


class Stream:
    """One LiveService.Stream: frames are queued to send, and every server frame is kept to wait on."""

    def __init__(self, person: Person):
        self.outgoing: queue.Queue = queue.Queue()
        self.frames: list = []
        self.ended = None
        self.changed = threading.Condition()
        self.call = person.live.Stream(iter(self.outgoing.get, None), metadata=person.md)
        threading.Thread(target=self._read, daemon=True).start()
        self.ready = self.wait(lambda: self.first("ready"), "Ready")

    def _read(self) -> None:
        try:
            for response in self.call:
                with self.changed:
                    self.frames.append(response.frame)
                    self.changed.notify_all()
        except grpc.RpcError as err:
            with self.changed:
                self.ended = err
                self.changed.notify_all()

    def send(self, request_id: str = "", **frame) -> None:
        self.outgoing.put(live_pb2.StreamRequest(request_id=request_id, **frame))

    def of(self, kind: str) -> list:
        return [getattr(f, kind) for f in self.frames if f.WhichOneof("frame") == kind]

    def first(self, kind: str, where=lambda _: True):
        return next((f for f in self.of(kind) if where(f)), None)

    def wait(self, check, what: str, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        with self.changed:
            while not got(value := check()):
                left = deadline - time.monotonic()
                if left <= 0:
                    kinds = [f.WhichOneof("frame") for f in self.frames]
                    raise AssertionError(f"timed out waiting for {what}; frames so far: {kinds}; ended: {self.ended}")
                self.changed.wait(left)
            return value

    def resume(self, cursors: dict) -> list:
        """Asks for what was missed after each cursor and waits for the replay to be complete."""
        before = len(self.of("resume_complete"))
        self.send(resume=live_pb2.ResumeRequest(cursors=[live_pb2.Cursor(conversation_id=c, seq=s) for c, s in cursors.items()]))
        return self.wait(lambda: len(self.of("resume_complete")) > before and self.of("resume_complete")[before], "ResumeComplete")

    def close(self) -> None:
        self.outgoing.put(None)
        self.call.cancel()


def register(channel, prefix: str, name: str) -> Person:
    auth = user_pb2_grpc.AuthServiceStub(channel)
    username = f"{prefix}{name}"[:32]
    res = auth.Register(user_pb2.RegisterRequest(username=username, password=PASSWORD, device_name="python"), timeout=10)
    assert res.user.username == username and res.token, res
    return Person(channel, username, res.token, res.user.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:8080")
    parser.add_argument("--prefix", default=f"py{uuid.uuid4().hex[:6]}", help="usernames start with it (unique per run)")
    args = parser.parse_args()
    channel = grpc.insecure_channel(args.server)
    auth = user_pb2_grpc.AuthServiceStub(channel)

    # Accounts: register, log a second device in, and the wrong ways in.
    alice, bob, carol = (register(channel, args.prefix, n) for n in ("alice", "bob", "carol"))
    login = auth.Login(user_pb2.LoginRequest(username=alice.username, password=PASSWORD, device_name="python 2"), timeout=10)
    assert auth.WhoAmI(user_pb2.WhoAmIRequest(), metadata=bearer(login.token), timeout=10).user.id == alice.id
    assert code_of(lambda: auth.Login(user_pb2.LoginRequest(username=alice.username, password="wrong password"), timeout=10)) == grpc.StatusCode.UNAUTHENTICATED
    assert code_of(lambda: auth.WhoAmI(user_pb2.WhoAmIRequest(), timeout=10)) == grpc.StatusCode.UNAUTHENTICATED
    ok("register, login, WhoAmI; a wrong password and a missing token are UNAUTHENTICATED")

    direct = alice.conversations.GetOrCreateDirect(conversation_pb2.GetOrCreateDirectRequest(username=bob.username), metadata=alice.md, timeout=10)
    assert direct.created
    group = alice.conversations.CreateGroup(conversation_pb2.CreateGroupRequest(name="python", member_usernames=[bob.username, carol.username]), metadata=alice.md, timeout=10)
    dm, grp = direct.conversation.id, group.conversation.id
    assert sorted(m.user_id for m in group.conversation.members) == sorted([alice.id, bob.id, carol.id])
    ok("a direct conversation and a group")

    a, b = Stream(alice), Stream(bob)
    assert a.ready.user_id == alice.id and a.ready.heartbeat_interval_ms > 0
    a.resume({dm: 0, grp: 0})
    b.resume({dm: 0, grp: 0})
    ok("two streams: Ready, then ResumeComplete")

    # A send on the stream is answered by an ACK that echoes the request id; a retry is the same message.
    cmid = str(uuid.uuid4())
    a.send("r1", send=live_pb2.SendMessageRequest(conversation_id=dm, client_message_id=cmid, text="hi bob"))
    ack = a.wait(lambda: a.first("ack"), "the ACK")
    assert (ack.conversation_id, ack.client_message_id, ack.seq) == (dm, cmid, 1)
    assert next(f for f in a.frames if f.WhichOneof("frame") == "ack").request_id == "r1"
    got = b.wait(lambda: b.first("message", lambda m: m.conversation_id == dm), "bob's message")
    assert (got.seq, got.sender_id, got.text) == (1, alice.id, "hi bob")
    retry = alice.live.SendMessage(live_pb2.SendMessageRequest(conversation_id=dm, client_message_id=cmid, text="hi bob"), metadata=alice.md, timeout=10)
    assert retry.seq == 1
    ok("send on the stream: ACK with seq 1 and the request id; bob gets it live; a retry is the same message")

    b.send(mark_delivered=live_pb2.MarkDeliveredRequest(conversation_id=dm, seq=1))
    b.send(mark_read=live_pb2.MarkReadRequest(conversation_id=dm, seq=1))
    a.wait(lambda: a.first("receipt", lambda r: r.state.user_id == bob.id and r.state.read_seq == 1 and r.state.delivered_seq == 1), "bob's read receipt")
    ok("receipts: bob's delivered and read marks reach alice")

    b.send(typing=live_pb2.SetTypingRequest(conversation_id=dm, typing=True))
    typing = a.wait(lambda: a.first("typing", lambda t: t.user_id == bob.id and t.typing), "bob typing")
    assert typing.conversation_id == dm and typing.expires_in_ms > 0
    ok("typing: bob's indicator reaches alice, with its expiry")

    c = Stream(carol)
    a.wait(lambda: a.first("presence", lambda p: p.user_id == carol.id and p.online), "carol online")
    c.close()
    offline = a.wait(lambda: a.first("presence", lambda p: p.user_id == carol.id and not p.online), "carol offline")
    assert offline.last_seen.seconds > 0
    ok("presence: carol comes online and goes offline, with last_seen")

    # Bob drops off; what is said meanwhile is replayed on resume, once, in order, then it goes on live.
    hello = alice.live.SendMessage(live_pb2.SendMessageRequest(conversation_id=grp, client_message_id=str(uuid.uuid4()), text="hello group"), metadata=alice.md, timeout=10)
    b.wait(lambda: b.first("message", lambda m: m.conversation_id == grp and m.text == "hello group"), "the group message")
    b.close()
    for i in (1, 2):
        alice.live.SendMessage(live_pb2.SendMessageRequest(conversation_id=grp, client_message_id=str(uuid.uuid4()), text=f"missed {i}"), metadata=alice.md, timeout=10)
    b = Stream(bob)
    done = b.resume({dm: 1, grp: hello.seq})
    replayed = [(m.seq, m.text) for m in b.of("message")]
    assert replayed == [(hello.seq + 1, "missed 1"), (hello.seq + 2, "missed 2")], replayed
    assert {cur.conversation_id: cur.seq for cur in done.cursors} == {dm: 1, grp: hello.seq + 2}
    alice.live.SendMessage(live_pb2.SendMessageRequest(conversation_id=grp, client_message_id=str(uuid.uuid4()), text="live again"), metadata=alice.md, timeout=10)
    b.wait(lambda: b.first("message", lambda m: m.text == "live again"), "the live message after the replay")
    assert [m.seq for m in b.of("message")] == [hello.seq + 1, hello.seq + 2, hello.seq + 3]
    ok("resume: bob gets exactly what he missed, then live, with no gap and no duplicate")

    page = bob.history.ListMessages(message_pb2.ListMessagesRequest(conversation_id=grp, direction=message_pb2.DIRECTION_FORWARD), metadata=bob.md, timeout=10)
    # The group's stream starts with its system event ("alice created the group"), then the messages.
    assert [m.WhichOneof("content") for m in page.messages][:1] == ["system_event"], page.messages[:1]
    assert page.messages[0].system_event.kind == message_pb2.SYSTEM_EVENT_KIND_GROUP_CREATED
    assert [m.text for m in page.messages[1:]] == ["hello group", "missed 1", "missed 2", "live again"] and not page.has_more
    newest = bob.history.ListMessages(message_pb2.ListMessagesRequest(conversation_id=grp, limit=1), metadata=bob.md, timeout=10)
    assert [m.text for m in newest.messages] == ["live again"] and newest.has_more
    ok("history: forward from the start, and the newest page backward")

    # Authorization: carol is in the group, not in alice and bob's direct conversation.
    assert code_of(lambda: carol.history.ListMessages(message_pb2.ListMessagesRequest(conversation_id=dm), metadata=carol.md, timeout=10)) == grpc.StatusCode.NOT_FOUND
    assert code_of(lambda: carol.live.SendMessage(live_pb2.SendMessageRequest(conversation_id=dm, client_message_id="x", text="let me in"), metadata=carol.md, timeout=10)) == grpc.StatusCode.NOT_FOUND
    ok("authorization: a non-member gets NOT_FOUND for the conversation's history and sends")

    bad_input(alice, a, dm)
    a.close()
    b.close()
    channel.close()


def bad_input(alice: Person, a: Stream, dm: str) -> None:
    send = lambda **req: lambda: alice.live.SendMessage(live_pb2.SendMessageRequest(**req), metadata=alice.md, timeout=10)  # noqa: E731
    assert code_of(send(conversation_id=dm, client_message_id="x", text="   ")) == grpc.StatusCode.INVALID_ARGUMENT
    assert code_of(send(conversation_id="not-a-uuid", client_message_id="x", text="hi")) == grpc.StatusCode.INVALID_ARGUMENT
    assert code_of(send(conversation_id=dm, client_message_id="x", text="x" * 70_000)) == grpc.StatusCode.INVALID_ARGUMENT
    ok("bad unary input: blank text, a malformed id, an oversized text are INVALID_ARGUMENT")

    # On the stream a refused frame gets a FrameError with its code, and the stream stays open.
    nowhere = str(uuid.uuid4())
    a.send("bad1", send=live_pb2.SendMessageRequest(conversation_id=nowhere, client_message_id="lost", text="hi"))
    a.send("bad2", mark_read=live_pb2.MarkReadRequest(conversation_id=dm, seq=999))
    errors = a.wait(lambda: len(a.of("error")) >= 2 and a.of("error"), "two FrameErrors")
    assert [(e.code, e.client_message_id) for e in errors] == [(live_pb2.ERROR_CODE_NOT_FOUND, "lost"), (live_pb2.ERROR_CODE_INVALID_ARGUMENT, "")], errors
    a.send("fine", send=live_pb2.SendMessageRequest(conversation_id=dm, client_message_id=str(uuid.uuid4()), text="still here"))
    a.wait(lambda: a.first("ack", lambda k: k.seq == 2), "the ACK after the refusals")
    assert a.ended is None
    ok("bad stream frames: FrameError NOT_FOUND (with the client_message_id) and INVALID_ARGUMENT; the stream stays open")

    # Bytes that are no StreamRequest end the stream with INVALID_ARGUMENT, never OK.
    raw = alice.channel.stream_stream("/chat.v1.LiveService/Stream", request_serializer=None, response_deserializer=None)
    call = raw(iter([b"\x12\xff\xff\xff"]), metadata=alice.md, timeout=10)
    assert code_of(lambda: [None for _ in call]) == grpc.StatusCode.INVALID_ARGUMENT
    unknown = alice.channel.unary_unary("/chat.v1.LiveService/NoSuchMethod", request_serializer=None, response_deserializer=None)
    assert code_of(lambda: unknown(b"", metadata=alice.md, timeout=10)) == grpc.StatusCode.UNIMPLEMENTED
    ok("malformed Protobuf on the stream ends it INVALID_ARGUMENT; an unknown method is UNIMPLEMENTED")


if __name__ == "__main__":
    main()
