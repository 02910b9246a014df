import datetime

from chat.v1 import conversation_pb2 as _conversation_pb2
from chat.v1 import message_pb2 as _message_pb2
from chat.v1 import user_pb2 as _user_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MembershipChange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBERSHIP_CHANGE_UNSPECIFIED: _ClassVar[MembershipChange]
    MEMBERSHIP_CHANGE_ADDED: _ClassVar[MembershipChange]
    MEMBERSHIP_CHANGE_REMOVED: _ClassVar[MembershipChange]
    MEMBERSHIP_CHANGE_LEFT: _ClassVar[MembershipChange]
    MEMBERSHIP_CHANGE_ROLE_CHANGED: _ClassVar[MembershipChange]

class ErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_CODE_UNSPECIFIED: _ClassVar[ErrorCode]
    ERROR_CODE_CANCELED: _ClassVar[ErrorCode]
    ERROR_CODE_UNKNOWN: _ClassVar[ErrorCode]
    ERROR_CODE_INVALID_ARGUMENT: _ClassVar[ErrorCode]
    ERROR_CODE_DEADLINE_EXCEEDED: _ClassVar[ErrorCode]
    ERROR_CODE_NOT_FOUND: _ClassVar[ErrorCode]
    ERROR_CODE_ALREADY_EXISTS: _ClassVar[ErrorCode]
    ERROR_CODE_PERMISSION_DENIED: _ClassVar[ErrorCode]
    ERROR_CODE_RESOURCE_EXHAUSTED: _ClassVar[ErrorCode]
    ERROR_CODE_FAILED_PRECONDITION: _ClassVar[ErrorCode]
    ERROR_CODE_ABORTED: _ClassVar[ErrorCode]
    ERROR_CODE_OUT_OF_RANGE: _ClassVar[ErrorCode]
    ERROR_CODE_UNIMPLEMENTED: _ClassVar[ErrorCode]
    ERROR_CODE_INTERNAL: _ClassVar[ErrorCode]
    ERROR_CODE_UNAVAILABLE: _ClassVar[ErrorCode]
    ERROR_CODE_DATA_LOSS: _ClassVar[ErrorCode]
    ERROR_CODE_UNAUTHENTICATED: _ClassVar[ErrorCode]
MEMBERSHIP_CHANGE_UNSPECIFIED: MembershipChange
MEMBERSHIP_CHANGE_ADDED: MembershipChange
MEMBERSHIP_CHANGE_REMOVED: MembershipChange
MEMBERSHIP_CHANGE_LEFT: MembershipChange
MEMBERSHIP_CHANGE_ROLE_CHANGED: MembershipChange
ERROR_CODE_UNSPECIFIED: ErrorCode
ERROR_CODE_CANCELED: ErrorCode
ERROR_CODE_UNKNOWN: ErrorCode
ERROR_CODE_INVALID_ARGUMENT: ErrorCode
ERROR_CODE_DEADLINE_EXCEEDED: ErrorCode
ERROR_CODE_NOT_FOUND: ErrorCode
ERROR_CODE_ALREADY_EXISTS: ErrorCode
ERROR_CODE_PERMISSION_DENIED: ErrorCode
ERROR_CODE_RESOURCE_EXHAUSTED: ErrorCode
ERROR_CODE_FAILED_PRECONDITION: ErrorCode
ERROR_CODE_ABORTED: ErrorCode
ERROR_CODE_OUT_OF_RANGE: ErrorCode
ERROR_CODE_UNIMPLEMENTED: ErrorCode
ERROR_CODE_INTERNAL: ErrorCode
ERROR_CODE_UNAVAILABLE: ErrorCode
ERROR_CODE_DATA_LOSS: ErrorCode
ERROR_CODE_UNAUTHENTICATED: ErrorCode

class Cursor(_message.Message):
    __slots__ = ("conversation_id", "seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ...) -> None: ...

class ResumeRequest(_message.Message):
    __slots__ = ("cursors", "max_batch")
    CURSORS_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_FIELD_NUMBER: _ClassVar[int]
    cursors: _containers.RepeatedCompositeFieldContainer[Cursor]
    max_batch: int
    def __init__(self, cursors: _Optional[_Iterable[_Union[Cursor, _Mapping]]] = ..., max_batch: _Optional[int] = ...) -> None: ...

class SendMessageRequest(_message.Message):
    __slots__ = ("conversation_id", "client_message_id", "text", "reply_to_seq", "attachment_ids")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    client_message_id: str
    text: str
    reply_to_seq: int
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, conversation_id: _Optional[str] = ..., client_message_id: _Optional[str] = ..., text: _Optional[str] = ..., reply_to_seq: _Optional[int] = ..., attachment_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ("conversation_id", "client_message_id", "seq", "sent_at")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    client_message_id: str
    seq: int
    sent_at: _timestamp_pb2.Timestamp
    def __init__(self, conversation_id: _Optional[str] = ..., client_message_id: _Optional[str] = ..., seq: _Optional[int] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EditMessageRequest(_message.Message):
    __slots__ = ("conversation_id", "seq", "client_message_id", "text")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    client_message_id: str
    text: str
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., client_message_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class EditMessageResponse(_message.Message):
    __slots__ = ("ack", "message")
    ACK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ack: SendMessageResponse
    message: _message_pb2.Message
    def __init__(self, ack: _Optional[_Union[SendMessageResponse, _Mapping]] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class DeleteMessageRequest(_message.Message):
    __slots__ = ("conversation_id", "seq", "client_message_id")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    client_message_id: str
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., client_message_id: _Optional[str] = ...) -> None: ...

class DeleteMessageResponse(_message.Message):
    __slots__ = ("ack", "message")
    ACK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ack: SendMessageResponse
    message: _message_pb2.Message
    def __init__(self, ack: _Optional[_Union[SendMessageResponse, _Mapping]] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class SetReactionRequest(_message.Message):
    __slots__ = ("conversation_id", "seq", "client_message_id", "emoji", "reacted")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    REACTED_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    client_message_id: str
    emoji: str
    reacted: bool
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., client_message_id: _Optional[str] = ..., emoji: _Optional[str] = ..., reacted: _Optional[bool] = ...) -> None: ...

class SetReactionResponse(_message.Message):
    __slots__ = ("ack", "message")
    ACK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ack: SendMessageResponse
    message: _message_pb2.Message
    def __init__(self, ack: _Optional[_Union[SendMessageResponse, _Mapping]] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class MarkDeliveredRequest(_message.Message):
    __slots__ = ("conversation_id", "seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ...) -> None: ...

class MarkDeliveredResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: _conversation_pb2.ReadState
    def __init__(self, state: _Optional[_Union[_conversation_pb2.ReadState, _Mapping]] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("conversation_id", "seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: _conversation_pb2.ReadState
    def __init__(self, state: _Optional[_Union[_conversation_pb2.ReadState, _Mapping]] = ...) -> None: ...

class SetTypingRequest(_message.Message):
    __slots__ = ("conversation_id", "typing")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    typing: bool
    def __init__(self, conversation_id: _Optional[str] = ..., typing: _Optional[bool] = ...) -> None: ...

class SetTypingResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("resume",)
    RESUME_FIELD_NUMBER: _ClassVar[int]
    resume: ResumeRequest
    def __init__(self, resume: _Optional[_Union[ResumeRequest, _Mapping]] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("frame", "frames")
    FRAME_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    frame: ServerFrame
    frames: _containers.RepeatedCompositeFieldContainer[ServerFrame]
    def __init__(self, frame: _Optional[_Union[ServerFrame, _Mapping]] = ..., frames: _Optional[_Iterable[_Union[ServerFrame, _Mapping]]] = ...) -> None: ...

class StreamRequest(_message.Message):
    __slots__ = ("request_id", "resume", "send", "mark_delivered", "mark_read", "typing", "heartbeat", "edit", "delete", "reaction")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESUME_FIELD_NUMBER: _ClassVar[int]
    SEND_FIELD_NUMBER: _ClassVar[int]
    MARK_DELIVERED_FIELD_NUMBER: _ClassVar[int]
    MARK_READ_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    EDIT_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    REACTION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    resume: ResumeRequest
    send: SendMessageRequest
    mark_delivered: MarkDeliveredRequest
    mark_read: MarkReadRequest
    typing: SetTypingRequest
    heartbeat: HeartbeatRequest
    edit: EditMessageRequest
    delete: DeleteMessageRequest
    reaction: SetReactionRequest
    def __init__(self, request_id: _Optional[str] = ..., resume: _Optional[_Union[ResumeRequest, _Mapping]] = ..., send: _Optional[_Union[SendMessageRequest, _Mapping]] = ..., mark_delivered: _Optional[_Union[MarkDeliveredRequest, _Mapping]] = ..., mark_read: _Optional[_Union[MarkReadRequest, _Mapping]] = ..., typing: _Optional[_Union[SetTypingRequest, _Mapping]] = ..., heartbeat: _Optional[_Union[HeartbeatRequest, _Mapping]] = ..., edit: _Optional[_Union[EditMessageRequest, _Mapping]] = ..., delete: _Optional[_Union[DeleteMessageRequest, _Mapping]] = ..., reaction: _Optional[_Union[SetReactionRequest, _Mapping]] = ...) -> None: ...

class StreamResponse(_message.Message):
    __slots__ = ("frame", "frames")
    FRAME_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    frame: ServerFrame
    frames: _containers.RepeatedCompositeFieldContainer[ServerFrame]
    def __init__(self, frame: _Optional[_Union[ServerFrame, _Mapping]] = ..., frames: _Optional[_Iterable[_Union[ServerFrame, _Mapping]]] = ...) -> None: ...

class ServerFrame(_message.Message):
    __slots__ = ("request_id", "ready", "ack", "message", "receipt", "typing", "presence", "membership", "resume_complete", "error", "keep_alive", "conversation_update")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    ACK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_FIELD_NUMBER: _ClassVar[int]
    RESUME_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    KEEP_ALIVE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_UPDATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    ready: Ready
    ack: SendMessageResponse
    message: _message_pb2.Message
    receipt: ReceiptEvent
    typing: TypingEvent
    presence: _user_pb2.Presence
    membership: MembershipEvent
    resume_complete: ResumeComplete
    error: FrameError
    keep_alive: KeepAlive
    conversation_update: ConversationUpdate
    def __init__(self, request_id: _Optional[str] = ..., ready: _Optional[_Union[Ready, _Mapping]] = ..., ack: _Optional[_Union[SendMessageResponse, _Mapping]] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., receipt: _Optional[_Union[ReceiptEvent, _Mapping]] = ..., typing: _Optional[_Union[TypingEvent, _Mapping]] = ..., presence: _Optional[_Union[_user_pb2.Presence, _Mapping]] = ..., membership: _Optional[_Union[MembershipEvent, _Mapping]] = ..., resume_complete: _Optional[_Union[ResumeComplete, _Mapping]] = ..., error: _Optional[_Union[FrameError, _Mapping]] = ..., keep_alive: _Optional[_Union[KeepAlive, _Mapping]] = ..., conversation_update: _Optional[_Union[ConversationUpdate, _Mapping]] = ...) -> None: ...

class ConversationUpdate(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: _conversation_pb2.Conversation
    def __init__(self, conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ...) -> None: ...

class KeepAlive(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Ready(_message.Message):
    __slots__ = ("device_id", "user_id", "heartbeat_interval_ms", "heartbeat_timeout_ms", "server_time")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    user_id: str
    heartbeat_interval_ms: int
    heartbeat_timeout_ms: int
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, device_id: _Optional[str] = ..., user_id: _Optional[str] = ..., heartbeat_interval_ms: _Optional[int] = ..., heartbeat_timeout_ms: _Optional[int] = ..., server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResumeComplete(_message.Message):
    __slots__ = ("cursors",)
    CURSORS_FIELD_NUMBER: _ClassVar[int]
    cursors: _containers.RepeatedCompositeFieldContainer[Cursor]
    def __init__(self, cursors: _Optional[_Iterable[_Union[Cursor, _Mapping]]] = ...) -> None: ...

class ReceiptEvent(_message.Message):
    __slots__ = ("conversation_id", "state")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    state: _conversation_pb2.ReadState
    def __init__(self, conversation_id: _Optional[str] = ..., state: _Optional[_Union[_conversation_pb2.ReadState, _Mapping]] = ...) -> None: ...

class TypingEvent(_message.Message):
    __slots__ = ("conversation_id", "user_id", "typing", "expires_in_ms")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_MS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    user_id: str
    typing: bool
    expires_in_ms: int
    def __init__(self, conversation_id: _Optional[str] = ..., user_id: _Optional[str] = ..., typing: _Optional[bool] = ..., expires_in_ms: _Optional[int] = ...) -> None: ...

class MembershipEvent(_message.Message):
    __slots__ = ("change", "actor_id", "user_ids", "conversation")
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    change: MembershipChange
    actor_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    conversation: _conversation_pb2.Conversation
    def __init__(self, change: _Optional[_Union[MembershipChange, str]] = ..., actor_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ..., conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ...) -> None: ...

class FrameError(_message.Message):
    __slots__ = ("code", "message", "client_message_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    code: ErrorCode
    message: str
    client_message_id: str
    def __init__(self, code: _Optional[_Union[ErrorCode, str]] = ..., message: _Optional[str] = ..., client_message_id: _Optional[str] = ...) -> None: ...
