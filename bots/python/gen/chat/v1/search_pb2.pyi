from chat.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchMessagesRequest(_message.Message):
    __slots__ = ("query", "conversation_id", "page_size", "page_token")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    query: str
    conversation_id: str
    page_size: int
    page_token: str
    def __init__(self, query: _Optional[str] = ..., conversation_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchMessagesResponse(_message.Message):
    __slots__ = ("hits", "next_page_token")
    HITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    next_page_token: str
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("message", "snippet")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SNIPPET_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    snippet: _containers.RepeatedCompositeFieldContainer[SnippetPart]
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., snippet: _Optional[_Iterable[_Union[SnippetPart, _Mapping]]] = ...) -> None: ...

class SnippetPart(_message.Message):
    __slots__ = ("text", "highlighted")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    HIGHLIGHTED_FIELD_NUMBER: _ClassVar[int]
    text: str
    highlighted: bool
    def __init__(self, text: _Optional[str] = ..., highlighted: _Optional[bool] = ...) -> None: ...
