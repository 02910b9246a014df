import datetime

from chat.v1 import message_pb2 as _message_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConversationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONVERSATION_KIND_UNSPECIFIED: _ClassVar[ConversationKind]
    CONVERSATION_KIND_DIRECT: _ClassVar[ConversationKind]
    CONVERSATION_KIND_GROUP: _ClassVar[ConversationKind]

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_MEMBER: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]
    ROLE_OWNER: _ClassVar[Role]
CONVERSATION_KIND_UNSPECIFIED: ConversationKind
CONVERSATION_KIND_DIRECT: ConversationKind
CONVERSATION_KIND_GROUP: ConversationKind
ROLE_UNSPECIFIED: Role
ROLE_MEMBER: Role
ROLE_ADMIN: Role
ROLE_OWNER: Role

class Member(_message.Message):
    __slots__ = ("user_id", "role", "joined_at")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    role: Role
    joined_at: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ..., joined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReadState(_message.Message):
    __slots__ = ("user_id", "delivered_seq", "read_seq")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_SEQ_FIELD_NUMBER: _ClassVar[int]
    READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    delivered_seq: int
    read_seq: int
    def __init__(self, user_id: _Optional[str] = ..., delivered_seq: _Optional[int] = ..., read_seq: _Optional[int] = ...) -> None: ...

class Conversation(_message.Message):
    __slots__ = ("id", "kind", "name", "members", "last_seq", "last_message", "unread_count", "read_states", "created_at", "unread_mention_count", "muted", "muted_until")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    READ_STATES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UNREAD_MENTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    MUTED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: ConversationKind
    name: str
    members: _containers.RepeatedCompositeFieldContainer[Member]
    last_seq: int
    last_message: _message_pb2.Message
    unread_count: int
    read_states: _containers.RepeatedCompositeFieldContainer[ReadState]
    created_at: _timestamp_pb2.Timestamp
    unread_mention_count: int
    muted: bool
    muted_until: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ConversationKind, str]] = ..., name: _Optional[str] = ..., members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., last_seq: _Optional[int] = ..., last_message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., unread_count: _Optional[int] = ..., read_states: _Optional[_Iterable[_Union[ReadState, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unread_mention_count: _Optional[int] = ..., muted: _Optional[bool] = ..., muted_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetOrCreateDirectRequest(_message.Message):
    __slots__ = ("user_id", "username")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    username: str
    def __init__(self, user_id: _Optional[str] = ..., username: _Optional[str] = ...) -> None: ...

class GetOrCreateDirectResponse(_message.Message):
    __slots__ = ("conversation", "created")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    conversation: Conversation
    created: bool
    def __init__(self, conversation: _Optional[_Union[Conversation, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class CreateGroupRequest(_message.Message):
    __slots__ = ("name", "member_ids", "member_usernames")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_USERNAMES_FIELD_NUMBER: _ClassVar[int]
    name: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    member_usernames: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., member_usernames: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateGroupResponse(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: Conversation
    def __init__(self, conversation: _Optional[_Union[Conversation, _Mapping]] = ...) -> None: ...

class GetConversationRequest(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class GetConversationResponse(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: Conversation
    def __init__(self, conversation: _Optional[_Union[Conversation, _Mapping]] = ...) -> None: ...

class ListConversationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListConversationsResponse(_message.Message):
    __slots__ = ("conversations",)
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    conversations: _containers.RepeatedCompositeFieldContainer[Conversation]
    def __init__(self, conversations: _Optional[_Iterable[_Union[Conversation, _Mapping]]] = ...) -> None: ...

class AddMembersRequest(_message.Message):
    __slots__ = ("conversation_id", "user_ids", "usernames")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    USERNAMES_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    usernames: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, conversation_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ..., usernames: _Optional[_Iterable[str]] = ...) -> None: ...

class AddMembersResponse(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: Conversation
    def __init__(self, conversation: _Optional[_Union[Conversation, _Mapping]] = ...) -> None: ...

class RemoveMemberRequest(_message.Message):
    __slots__ = ("conversation_id", "user_id")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    user_id: str
    def __init__(self, conversation_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class RemoveMemberResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetRoleRequest(_message.Message):
    __slots__ = ("conversation_id", "user_id", "role")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    user_id: str
    role: Role
    def __init__(self, conversation_id: _Optional[str] = ..., user_id: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ...) -> None: ...

class SetRoleResponse(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: Conversation
    def __init__(self, conversation: _Optional[_Union[Conversation, _Mapping]] = ...) -> None: ...

class LeaveConversationRequest(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class LeaveConversationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MuteConversationRequest(_message.Message):
    __slots__ = ("conversation_id", "muted", "until")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    muted: bool
    until: _timestamp_pb2.Timestamp
    def __init__(self, conversation_id: _Optional[str] = ..., muted: _Optional[bool] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MuteConversationResponse(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: Conversation
    def __init__(self, conversation: _Optional[_Union[Conversation, _Mapping]] = ...) -> None: ...
