import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PushProvider(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PUSH_PROVIDER_UNSPECIFIED: _ClassVar[PushProvider]
    PUSH_PROVIDER_WEB_PUSH: _ClassVar[PushProvider]
    PUSH_PROVIDER_FCM: _ClassVar[PushProvider]
    PUSH_PROVIDER_APNS: _ClassVar[PushProvider]
PUSH_PROVIDER_UNSPECIFIED: PushProvider
PUSH_PROVIDER_WEB_PUSH: PushProvider
PUSH_PROVIDER_FCM: PushProvider
PUSH_PROVIDER_APNS: PushProvider

class PushEndpoint(_message.Message):
    __slots__ = ("provider", "token", "p256dh", "auth", "apns_sandbox", "device_id", "registered_at")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    P256DH_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    APNS_SANDBOX_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    provider: PushProvider
    token: str
    p256dh: str
    auth: str
    apns_sandbox: bool
    device_id: str
    registered_at: _timestamp_pb2.Timestamp
    def __init__(self, provider: _Optional[_Union[PushProvider, str]] = ..., token: _Optional[str] = ..., p256dh: _Optional[str] = ..., auth: _Optional[str] = ..., apns_sandbox: _Optional[bool] = ..., device_id: _Optional[str] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PushSettings(_message.Message):
    __slots__ = ("show_previews",)
    SHOW_PREVIEWS_FIELD_NUMBER: _ClassVar[int]
    show_previews: bool
    def __init__(self, show_previews: _Optional[bool] = ...) -> None: ...

class RegisterPushEndpointRequest(_message.Message):
    __slots__ = ("endpoint",)
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    endpoint: PushEndpoint
    def __init__(self, endpoint: _Optional[_Union[PushEndpoint, _Mapping]] = ...) -> None: ...

class RegisterPushEndpointResponse(_message.Message):
    __slots__ = ("endpoint",)
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    endpoint: PushEndpoint
    def __init__(self, endpoint: _Optional[_Union[PushEndpoint, _Mapping]] = ...) -> None: ...

class UnregisterPushEndpointRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnregisterPushEndpointResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPushSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPushSettingsResponse(_message.Message):
    __slots__ = ("settings", "endpoint", "providers", "web_push_public_key")
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    WEB_PUSH_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    settings: PushSettings
    endpoint: PushEndpoint
    providers: _containers.RepeatedScalarFieldContainer[PushProvider]
    web_push_public_key: str
    def __init__(self, settings: _Optional[_Union[PushSettings, _Mapping]] = ..., endpoint: _Optional[_Union[PushEndpoint, _Mapping]] = ..., providers: _Optional[_Iterable[_Union[PushProvider, str]]] = ..., web_push_public_key: _Optional[str] = ...) -> None: ...

class SetPushSettingsRequest(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: PushSettings
    def __init__(self, settings: _Optional[_Union[PushSettings, _Mapping]] = ...) -> None: ...

class SetPushSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: PushSettings
    def __init__(self, settings: _Optional[_Union[PushSettings, _Mapping]] = ...) -> None: ...
