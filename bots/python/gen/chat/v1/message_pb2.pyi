import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SystemEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYSTEM_EVENT_KIND_UNSPECIFIED: _ClassVar[SystemEventKind]
    SYSTEM_EVENT_KIND_GROUP_CREATED: _ClassVar[SystemEventKind]
    SYSTEM_EVENT_KIND_MEMBERS_ADDED: _ClassVar[SystemEventKind]
    SYSTEM_EVENT_KIND_MEMBER_REMOVED: _ClassVar[SystemEventKind]
    SYSTEM_EVENT_KIND_MEMBER_LEFT: _ClassVar[SystemEventKind]

class UpdateKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UPDATE_KIND_UNSPECIFIED: _ClassVar[UpdateKind]
    UPDATE_KIND_EDITED: _ClassVar[UpdateKind]
    UPDATE_KIND_DELETED: _ClassVar[UpdateKind]
    UPDATE_KIND_REACTION: _ClassVar[UpdateKind]

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIRECTION_UNSPECIFIED: _ClassVar[Direction]
    DIRECTION_BACKWARD: _ClassVar[Direction]
    DIRECTION_FORWARD: _ClassVar[Direction]
SYSTEM_EVENT_KIND_UNSPECIFIED: SystemEventKind
SYSTEM_EVENT_KIND_GROUP_CREATED: SystemEventKind
SYSTEM_EVENT_KIND_MEMBERS_ADDED: SystemEventKind
SYSTEM_EVENT_KIND_MEMBER_REMOVED: SystemEventKind
SYSTEM_EVENT_KIND_MEMBER_LEFT: SystemEventKind
UPDATE_KIND_UNSPECIFIED: UpdateKind
UPDATE_KIND_EDITED: UpdateKind
UPDATE_KIND_DELETED: UpdateKind
UPDATE_KIND_REACTION: UpdateKind
DIRECTION_UNSPECIFIED: Direction
DIRECTION_BACKWARD: Direction
DIRECTION_FORWARD: Direction

class Message(_message.Message):
    __slots__ = ("conversation_id", "seq", "sender_id", "client_message_id", "text", "sent_at", "text_content", "attachment_content", "system_event", "update", "edited_at", "deleted_at", "reply_to_seq", "reply_preview", "reactions")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    TEXT_CONTENT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_CONTENT_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_EVENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    EDITED_AT_FIELD_NUMBER: _ClassVar[int]
    DELETED_AT_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    REPLY_PREVIEW_FIELD_NUMBER: _ClassVar[int]
    REACTIONS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    sender_id: str
    client_message_id: str
    text: str
    sent_at: _timestamp_pb2.Timestamp
    text_content: TextContent
    attachment_content: AttachmentContent
    system_event: SystemEvent
    update: MessageUpdate
    edited_at: _timestamp_pb2.Timestamp
    deleted_at: _timestamp_pb2.Timestamp
    reply_to_seq: int
    reply_preview: ReplyPreview
    reactions: _containers.RepeatedCompositeFieldContainer[Reaction]
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., sender_id: _Optional[str] = ..., client_message_id: _Optional[str] = ..., text: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., text_content: _Optional[_Union[TextContent, _Mapping]] = ..., attachment_content: _Optional[_Union[AttachmentContent, _Mapping]] = ..., system_event: _Optional[_Union[SystemEvent, _Mapping]] = ..., update: _Optional[_Union[MessageUpdate, _Mapping]] = ..., edited_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deleted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reply_to_seq: _Optional[int] = ..., reply_preview: _Optional[_Union[ReplyPreview, _Mapping]] = ..., reactions: _Optional[_Iterable[_Union[Reaction, _Mapping]]] = ...) -> None: ...

class Mention(_message.Message):
    __slots__ = ("user_id", "all")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    all: bool
    def __init__(self, user_id: _Optional[str] = ..., all: _Optional[bool] = ...) -> None: ...

class TextContent(_message.Message):
    __slots__ = ("text", "mentions")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    text: str
    mentions: _containers.RepeatedCompositeFieldContainer[Mention]
    def __init__(self, text: _Optional[str] = ..., mentions: _Optional[_Iterable[_Union[Mention, _Mapping]]] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("id", "file_name", "content_type", "size", "width", "height", "has_thumbnail", "sha256")
    ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HAS_THUMBNAIL_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    id: str
    file_name: str
    content_type: str
    size: int
    width: int
    height: int
    has_thumbnail: bool
    sha256: str
    def __init__(self, id: _Optional[str] = ..., file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., has_thumbnail: _Optional[bool] = ..., sha256: _Optional[str] = ...) -> None: ...

class AttachmentContent(_message.Message):
    __slots__ = ("attachments", "caption")
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    CAPTION_FIELD_NUMBER: _ClassVar[int]
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    caption: TextContent
    def __init__(self, attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., caption: _Optional[_Union[TextContent, _Mapping]] = ...) -> None: ...

class SystemEvent(_message.Message):
    __slots__ = ("kind", "actor_id", "user_ids", "group_name")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    kind: SystemEventKind
    actor_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    group_name: str
    def __init__(self, kind: _Optional[_Union[SystemEventKind, str]] = ..., actor_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ..., group_name: _Optional[str] = ...) -> None: ...

class MessageUpdate(_message.Message):
    __slots__ = ("kind", "target_seq", "emoji", "reacted", "target")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_SEQ_FIELD_NUMBER: _ClassVar[int]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    REACTED_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    kind: UpdateKind
    target_seq: int
    emoji: str
    reacted: bool
    target: Message
    def __init__(self, kind: _Optional[_Union[UpdateKind, str]] = ..., target_seq: _Optional[int] = ..., emoji: _Optional[str] = ..., reacted: _Optional[bool] = ..., target: _Optional[_Union[Message, _Mapping]] = ...) -> None: ...

class ReplyPreview(_message.Message):
    __slots__ = ("sender_id", "text", "attachment_count", "deleted")
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    sender_id: str
    text: str
    attachment_count: int
    deleted: bool
    def __init__(self, sender_id: _Optional[str] = ..., text: _Optional[str] = ..., attachment_count: _Optional[int] = ..., deleted: _Optional[bool] = ...) -> None: ...

class Reaction(_message.Message):
    __slots__ = ("emoji", "count", "user_ids")
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    emoji: str
    count: int
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, emoji: _Optional[str] = ..., count: _Optional[int] = ..., user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ("conversation_id", "anchor_seq", "direction", "limit")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    ANCHOR_SEQ_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    anchor_seq: int
    direction: Direction
    limit: int
    def __init__(self, conversation_id: _Optional[str] = ..., anchor_seq: _Optional[int] = ..., direction: _Optional[_Union[Direction, str]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ("messages", "has_more")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[Message]
    has_more: bool
    def __init__(self, messages: _Optional[_Iterable[_Union[Message, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...
