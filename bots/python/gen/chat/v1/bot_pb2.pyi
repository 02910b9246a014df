import datetime

from chat.v1 import user_pb2 as _user_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BotToken(_message.Message):
    __slots__ = ("token_id", "name", "conversation_ids", "can_write", "created_at")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_IDS_FIELD_NUMBER: _ClassVar[int]
    CAN_WRITE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    name: str
    conversation_ids: _containers.RepeatedScalarFieldContainer[str]
    can_write: bool
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, token_id: _Optional[str] = ..., name: _Optional[str] = ..., conversation_ids: _Optional[_Iterable[str]] = ..., can_write: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateBotRequest(_message.Message):
    __slots__ = ("username", "display_name")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    username: str
    display_name: str
    def __init__(self, username: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class CreateBotResponse(_message.Message):
    __slots__ = ("bot",)
    BOT_FIELD_NUMBER: _ClassVar[int]
    bot: _user_pb2.User
    def __init__(self, bot: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class ListBotsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBotsResponse(_message.Message):
    __slots__ = ("bots",)
    BOTS_FIELD_NUMBER: _ClassVar[int]
    bots: _containers.RepeatedCompositeFieldContainer[_user_pb2.User]
    def __init__(self, bots: _Optional[_Iterable[_Union[_user_pb2.User, _Mapping]]] = ...) -> None: ...

class CreateBotTokenRequest(_message.Message):
    __slots__ = ("bot_id", "name", "conversation_ids", "can_write")
    BOT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_IDS_FIELD_NUMBER: _ClassVar[int]
    CAN_WRITE_FIELD_NUMBER: _ClassVar[int]
    bot_id: str
    name: str
    conversation_ids: _containers.RepeatedScalarFieldContainer[str]
    can_write: bool
    def __init__(self, bot_id: _Optional[str] = ..., name: _Optional[str] = ..., conversation_ids: _Optional[_Iterable[str]] = ..., can_write: _Optional[bool] = ...) -> None: ...

class CreateBotTokenResponse(_message.Message):
    __slots__ = ("token", "info")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    token: str
    info: BotToken
    def __init__(self, token: _Optional[str] = ..., info: _Optional[_Union[BotToken, _Mapping]] = ...) -> None: ...

class ListBotTokensRequest(_message.Message):
    __slots__ = ("bot_id",)
    BOT_ID_FIELD_NUMBER: _ClassVar[int]
    bot_id: str
    def __init__(self, bot_id: _Optional[str] = ...) -> None: ...

class ListBotTokensResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[BotToken]
    def __init__(self, tokens: _Optional[_Iterable[_Union[BotToken, _Mapping]]] = ...) -> None: ...

class RevokeBotTokenRequest(_message.Message):
    __slots__ = ("bot_id", "token_id")
    BOT_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    bot_id: str
    token_id: str
    def __init__(self, bot_id: _Optional[str] = ..., token_id: _Optional[str] = ...) -> None: ...

class RevokeBotTokenResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
