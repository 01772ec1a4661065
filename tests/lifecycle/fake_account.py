"""A stateful fake of the account part of the SMS and Voice v2 API, for the account provider's lifecycle tests.

It extends the library's fake (``sms_constructs.simulate.fake_sms.FakeSms``) and reuses its checks: every request is
validated against botocore's model, every response and modelled error against its shapes. It holds:

- the five monthly spend limits (``MaxLimit``, ``EnforcedLimit``, ``Overridden``); a ``Set…`` above ``MaxLimit`` is
  refused (``REQUESTED_SPEND_LIMIT_HIGHER_THAN_SERVICE_LIMIT``), a ``Delete…`` sets the enforced limit to ``MaxLimit``;
- the account default protect configuration and the protect configurations that exist;
- configuration sets and their default message types;
- opt-out lists with their numbers, ``EndUserOptedOut`` and the time each was opted out; a number can be deleted from a
  list once every 30 days (a second deletion within 30 days is refused), and every removal is recorded;
- ``fail_next_change``: the next call that would change the state fails with ``ThrottlingException``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from sms_constructs.simulate.fake_sms import FakeSms

DAY = 86_400.0
#: The service's rule: a number can be deleted from an opt-out list once every 30 days.
OPT_OUT_DELETE_INTERVAL = 30 * DAY
SPEND_LIMITS = {
    "TextMessage": "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT",
    "MediaMessage": "MEDIA_MESSAGE_MONTHLY_SPEND_LIMIT",
    "VoiceMessage": "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT",
    "NotifyMessage": "NOTIFY_MESSAGE_MONTHLY_SPEND_LIMIT",
    "RcsMessage": "RCS_MESSAGE_MONTHLY_SPEND_LIMIT",
}


@dataclass
class Limit:
    max_limit: int = 1000
    enforced: int = 1000
    overridden: bool = False


@dataclass
class OptedOut:
    end_user: bool
    since: float


@dataclass
class FakeAccountSms(FakeSms):
    """The account's SMS settings (see the module docstring)."""

    limits: dict[str, Limit] = field(default_factory=lambda: {name: Limit() for name in SPEND_LIMITS.values()})
    default_protect_configuration: str | None = None
    protect_configurations: set[str] = field(default_factory=set)
    message_types: dict[str, str | None] = field(default_factory=dict)
    lists: dict[str, dict[str, OptedOut]] = field(default_factory=dict)
    #: When each (list, number) was last deleted.
    deleted_at: dict[tuple[str, str], float] = field(default_factory=dict)
    #: Every removal: (list, number, whether the recipient had opted out themselves).
    removed: list[tuple[str, str, bool]] = field(default_factory=list)
    #: Every call, by operation name.
    calls: list[str] = field(default_factory=list)
    fail_change: bool = False
    #: With ``fail_change``: fail the next call of any kind, a read included (for a change that makes no write).
    fail_any: bool = False

    def __getattr__(self, name: str) -> Any:
        # set_/delete_<channel>_message_spend_limit_override for each channel
        for stem, limit_name in SPEND_LIMITS.items():
            snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in stem).lstrip("_")
            if name == f"set_{snake}_spend_limit_override":
                return lambda **params: self._set_limit(f"Set{stem}SpendLimitOverride", limit_name, params)
            if name == f"delete_{snake}_spend_limit_override":
                return lambda **params: self._delete_limit(f"Delete{stem}SpendLimitOverride", limit_name, params)
        raise AttributeError(name)

    # -- reads -----------------------------------------------------------------------------------------------------

    def describe_spend_limits(self, **params: Any) -> dict[str, Any]:
        self._call("DescribeSpendLimits", params)
        limits = [
            {"Name": name, "EnforcedLimit": limit.enforced, "MaxLimit": limit.max_limit, "Overridden": limit.overridden}
            for name, limit in self.limits.items()
        ]
        return self._respond("DescribeSpendLimits", {"SpendLimits": limits})

    def describe_account_attributes(self, **params: Any) -> dict[str, Any]:
        self._call("DescribeAccountAttributes", params)
        attributes = [{"Name": "ACCOUNT_TIER", "Value": "SANDBOX"}]
        if self.default_protect_configuration:
            attributes.append({"Name": "DEFAULT_PROTECT_CONFIGURATION_ID", "Value": self.default_protect_configuration})
        return self._respond("DescribeAccountAttributes", {"AccountAttributes": attributes})

    def describe_configuration_sets(self, **params: Any) -> dict[str, Any]:
        self._call("DescribeConfigurationSets", params)
        sets = []
        for name in params.get("ConfigurationSetNames", list(self.message_types)):
            if name not in self.message_types:
                raise self._not_found("configuration-set", name)
            entry: dict[str, Any] = {
                "ConfigurationSetArn": f"arn:aws:sms-voice:us-east-1:111122223333:configuration-set/{name}",
                "ConfigurationSetName": name,
                "EventDestinations": [],
                "CreatedTimestamp": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            }
            if self.message_types[name]:
                entry["DefaultMessageType"] = self.message_types[name]
            sets.append(entry)
        return self._respond("DescribeConfigurationSets", {"ConfigurationSets": sets})

    def describe_opted_out_numbers(self, **params: Any) -> dict[str, Any]:
        self._call("DescribeOptedOutNumbers", params)
        entries = self._list(params["OptOutListName"])
        wanted = params.get("OptedOutNumbers") or list(entries)
        numbers = [
            {
                "OptedOutNumber": number,
                "OptedOutTimestamp": datetime.datetime.fromtimestamp(entries[number].since, tz=datetime.UTC),
                "EndUserOptedOut": entries[number].end_user,
            }
            for number in wanted
            if number in entries
        ]
        name = params["OptOutListName"]
        arn = f"arn:aws:sms-voice:us-east-1:111122223333:opt-out-list/{name}"
        return self._respond(
            "DescribeOptedOutNumbers", {"OptOutListArn": arn, "OptOutListName": name, "OptedOutNumbers": numbers}
        )

    # -- changes ---------------------------------------------------------------------------------------------------

    def _set_limit(self, operation: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
        self._change(operation, params)
        limit = self.limits[name]
        if params["MonthlyLimit"] > limit.max_limit:
            raise self._error(
                "ValidationException",
                "The requested limit is above the account's spend limit.",
                Reason="REQUESTED_SPEND_LIMIT_HIGHER_THAN_SERVICE_LIMIT",
            )
        limit.enforced, limit.overridden = params["MonthlyLimit"], True
        return self._respond(operation, {"MonthlyLimit": limit.enforced})

    def _delete_limit(self, operation: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
        self._change(operation, params)
        limit = self.limits[name]
        previous = limit.enforced
        limit.enforced, limit.overridden = limit.max_limit, False  # "sets the EnforcedLimit to equal the MaxLimit"
        return self._respond(operation, {"MonthlyLimit": previous})

    def set_account_default_protect_configuration(self, **params: Any) -> dict[str, Any]:
        self._change("SetAccountDefaultProtectConfiguration", params)
        identifier = params["ProtectConfigurationId"]
        if identifier not in self.protect_configurations:
            raise self._not_found("protect-configuration", identifier)
        self.default_protect_configuration = identifier
        return self._respond(
            "SetAccountDefaultProtectConfiguration",
            {
                "DefaultProtectConfigurationArn": self._protect_arn(identifier),
                "DefaultProtectConfigurationId": identifier,
            },
        )

    def delete_account_default_protect_configuration(self, **params: Any) -> dict[str, Any]:
        self._change("DeleteAccountDefaultProtectConfiguration", params)
        identifier = self.default_protect_configuration
        if identifier is None:
            raise self._not_found("account", "default-protect-configuration")
        self.default_protect_configuration = None
        return self._respond(
            "DeleteAccountDefaultProtectConfiguration",
            {
                "DefaultProtectConfigurationArn": self._protect_arn(identifier),
                "DefaultProtectConfigurationId": identifier,
            },
        )

    def set_default_message_type(self, **params: Any) -> dict[str, Any]:
        self._change("SetDefaultMessageType", params)
        name = params["ConfigurationSetName"]
        if name not in self.message_types:
            raise self._not_found("configuration-set", name)
        self.message_types[name] = params["MessageType"]
        return self._respond(
            "SetDefaultMessageType",
            {
                "ConfigurationSetArn": self._set_arn(name),
                "ConfigurationSetName": name,
                "MessageType": params["MessageType"],
            },
        )

    def delete_default_message_type(self, **params: Any) -> dict[str, Any]:
        self._change("DeleteDefaultMessageType", params)
        name = params["ConfigurationSetName"]
        if name not in self.message_types:
            raise self._not_found("configuration-set", name)
        self.message_types[name] = None
        return self._respond(
            "DeleteDefaultMessageType", {"ConfigurationSetArn": self._set_arn(name), "ConfigurationSetName": name}
        )

    def put_opted_out_number(self, **params: Any) -> dict[str, Any]:
        self._change("PutOptedOutNumber", params)
        name, number = params["OptOutListName"], params["OptedOutNumber"]
        entries = self._list(name)
        entry = entries.setdefault(number, OptedOut(end_user=False, since=self.clock()))
        return self._respond("PutOptedOutNumber", self._entry(name, number, entry))

    def delete_opted_out_number(self, **params: Any) -> dict[str, Any]:
        self._change("DeleteOptedOutNumber", params)
        name, number = params["OptOutListName"], params["OptedOutNumber"]
        entries = self._list(name)
        if number not in entries:
            raise self._not_found("opted-out-number", number)
        last = self.deleted_at.get((name, number))
        if last is not None and self.clock() - last < OPT_OUT_DELETE_INTERVAL:
            raise self._error(
                "ValidationException",
                "A number can be deleted from an opt-out list once every 30 days.",
                Reason="OTHER",
            )
        entry = entries.pop(number)
        self.deleted_at[(name, number)] = self.clock()
        self.removed.append((name, number, entry.end_user))
        return self._respond("DeleteOptedOutNumber", self._entry(name, number, entry))

    # -- helpers ---------------------------------------------------------------------------------------------------

    def opt_out_by_recipient(self, list_name: str, number: str) -> None:
        """The recipient replies STOP."""
        self._list(list_name)[number] = OptedOut(end_user=True, since=self.clock())

    def _call(self, operation: str, params: dict[str, Any]) -> None:
        self._validate_request(operation, params)
        self.calls.append(operation)
        if self.fail_change and self.fail_any:
            self.fail_change = False
            raise self._error("ThrottlingException", "Rate exceeded.")

    def _change(self, operation: str, params: dict[str, Any]) -> None:
        self._call(operation, params)
        if self.fail_change:
            self.fail_change = False
            raise self._error("ThrottlingException", "Rate exceeded.")

    def _list(self, name: str) -> dict[str, OptedOut]:
        if name not in self.lists:
            raise self._not_found("opt-out-list", name)
        return self.lists[name]

    def _entry(self, name: str, number: str, entry: OptedOut) -> dict[str, Any]:
        return {
            "OptOutListArn": f"arn:aws:sms-voice:us-east-1:111122223333:opt-out-list/{name}",
            "OptOutListName": name,
            "OptedOutNumber": number,
            "OptedOutTimestamp": datetime.datetime.fromtimestamp(entry.since, tz=datetime.UTC),
            "EndUserOptedOut": entry.end_user,
        }

    def _not_found(self, resource_type: str, resource_id: str) -> Exception:
        return self._error(
            "ResourceNotFoundException",
            "The resource does not exist.",
            ResourceType=resource_type,
            ResourceId=resource_id,
        )

    @staticmethod
    def _protect_arn(identifier: str) -> str:
        return f"arn:aws:sms-voice:us-east-1:111122223333:protect-configuration/{identifier}"

    @staticmethod
    def _set_arn(name: str) -> str:
        return f"arn:aws:sms-voice:us-east-1:111122223333:configuration-set/{name}"
