"""The custom-resource provider of the account-level SMS settings, of seeded opted-out numbers and of a phone number's
Amazon Connect two-way channel.

CloudFormation has no resource for the enforced monthly spend limits, the account default protect configuration, a
configuration set's default message type or the numbers on an opt-out list, and its phone number cannot name Amazon
Connect as the two-way channel (``TwoWay.ChannelArn`` takes only ARNs). This handler (behind
``custom_resources.Provider``, which calls it synchronously and reports to CloudFormation; standard library and boto3
only, nothing downloaded) sets them through the SMS and Voice v2 API and gives back what was there before:

Create and update
    the resource *claims* its setting: the first claim reads the value before the stack (``DescribeSpendLimits``,
    ``DescribeAccountAttributes``, ``DescribeConfigurationSets``, ``DescribeOptedOutNumbers``,
    ``DescribePhoneNumbers``) and stores it, with the
    owner's physical ID, in an ownership record (a ``String`` SSM parameter under ``/sms-constructs/``; never a
    phone number); a later claim (a moved construct, a retried request) keeps the stored value and takes over the
    ownership. Then the declared value is set. If that call fails, the record is put back as it was.
Delete
    only the owner of the record restores: the value before the stack is set back (a limit that was not overridden
    has its override deleted, one overridden at X is set to X again; the same for the default protect configuration
    and message type), then the record is deleted. A delete by a resource that does not own the record (the rollback of
    a failed create, a stray physical ID, the old resource of a replacement, a retried delete) changes nothing.
    ``ResourceNotFoundException`` from a ``Delete…`` call counts as done (someone changed it by hand).
Opted-out numbers
    are never removed unless the resource says ``RemoveOnDelete: "true"``; even then only a number this resource put on
    the list (not there before the stack) and that the recipient did not opt out of themselves since
    (``EndUserOptedOut``). If the service refuses the removal (a number can be deleted once every 30 days), the
    number stays on the list and the delete succeeds: an opt-out too many is the safe side.
A phone number's two-way channel
    is set with ``UpdatePhoneNumber`` on every create and update (the construct changes a property whenever the
    number's own properties change, so a channel CloudFormation's update of the number may reset is set again). On
    delete the number's two-way settings from before are set back (two-way turned off if it had none), but only while
    the number still points at the channel this resource set: a channel set since by someone else (CloudFormation's
    own ``TwoWay`` after a switch to an SNS topic, an operator) is left alone, and so is a number that is gone or now
    in a pool (whose two-way settings are the pool's).

Physical IDs are unique per stack, logical ID and setting (a digest), so a retried create answers with the same one.
The SMS API model ships with the function (``models/``, found through ``AWS_DATA_PATH``): the Lambda runtime's bundled
botocore may predate the Notify and RCS spend-limit operations.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

#: The SMS and Voice v2 API model shipped with the function, newer than the runtime's botocore may be.
MODELS_PATH: Final = Path(__file__).resolve().parent / "models"
if MODELS_PATH.is_dir():  # before boto3 creates its loader
    os.environ.setdefault("AWS_DATA_PATH", str(MODELS_PATH))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

LOGGER = logging.getLogger(__name__)
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

DEFAULT_PROTECT_CONFIGURATION_TYPE: Final = "Custom::SmsConstructsDefaultProtectConfiguration"
DEFAULT_MESSAGE_TYPE_TYPE: Final = "Custom::SmsConstructsDefaultMessageType"
OPTED_OUT_NUMBER_TYPE: Final = "Custom::SmsConstructsOptedOutNumber"
PHONE_NUMBER_TWO_WAY_TYPE: Final = "Custom::SmsConstructsPhoneNumberTwoWay"

#: Ownership records live under these SSM parameter paths.
ACCOUNT_SETTINGS_PREFIX: Final = "/sms-constructs/account-settings"
OPTED_OUT_NUMBERS_PREFIX: Final = "/sms-constructs/opted-out-numbers"
PHONE_NUMBER_TWO_WAY_PREFIX: Final = "/sms-constructs/phone-number-two-way"

#: A phone number ID (``phone-…``) as it may appear in an SSM parameter name; an ARN is refused.
_PHONE_NUMBER_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")

#: ``Channel`` property → (``DescribeSpendLimits`` name, operation stem of ``Set…``/``Delete…SpendLimitOverride``).
CHANNELS: Final[Mapping[str, tuple[str, str]]] = {
    "TEXT": ("TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", "TextMessage"),
    "MEDIA": ("MEDIA_MESSAGE_MONTHLY_SPEND_LIMIT", "MediaMessage"),
    "VOICE": ("VOICE_MESSAGE_MONTHLY_SPEND_LIMIT", "VoiceMessage"),
    "NOTIFY": ("NOTIFY_MESSAGE_MONTHLY_SPEND_LIMIT", "NotifyMessage"),
    "RCS": ("RCS_MESSAGE_MONTHLY_SPEND_LIMIT", "RcsMessage"),
}

#: Resource type of each channel's spend-limit override (``Custom::SmsConstructsTextSpendLimitOverride``, ...).
SPEND_LIMIT_TYPES: Final[Mapping[str, str]] = {
    f"Custom::SmsConstructs{stem.removesuffix('Message')}SpendLimitOverride": channel
    for channel, (_, stem) in CHANNELS.items()
}

#: Every SMS and Voice v2 operation the handler may call (the shipped model must have each).
OPERATIONS: Final = frozenset(
    {
        "DescribeSpendLimits",
        "DescribeAccountAttributes",
        "DescribeConfigurationSets",
        "DescribeOptedOutNumbers",
        "SetAccountDefaultProtectConfiguration",
        "DeleteAccountDefaultProtectConfiguration",
        "SetDefaultMessageType",
        "DeleteDefaultMessageType",
        "PutOptedOutNumber",
        "DeleteOptedOutNumber",
        "DescribePhoneNumbers",
        "UpdatePhoneNumber",
        *(f"{verb}{stem}SpendLimitOverride" for verb in ("Set", "Delete") for _, stem in CHANNELS.values()),
    }
)


class ProviderError(Exception):
    """A request the provider refuses, with a message CloudFormation shows in the stack events."""


def number_digest(phone_number: str) -> str:
    """The digest that stands for ``phone_number`` in physical IDs and record names (never the number itself)."""
    return hashlib.sha256(phone_number.encode()).hexdigest()[:16]


def record_name(resource_type: str, properties: Mapping[str, Any]) -> str:
    """The SSM parameter holding the ownership record of the setting ``properties`` name."""
    if resource_type in SPEND_LIMIT_TYPES:
        channel = _channel(properties)
        if SPEND_LIMIT_TYPES[resource_type] != channel:
            raise ProviderError(f"{resource_type} sets the {SPEND_LIMIT_TYPES[resource_type]} limit, not {channel}")
        return f"{ACCOUNT_SETTINGS_PREFIX}/spend-limit/{channel}"
    if resource_type == DEFAULT_PROTECT_CONFIGURATION_TYPE:
        return f"{ACCOUNT_SETTINGS_PREFIX}/default-protect-configuration"
    if resource_type == DEFAULT_MESSAGE_TYPE_TYPE:
        return f"{ACCOUNT_SETTINGS_PREFIX}/default-message-type/{_required(properties, 'ConfigurationSetName')}"
    if resource_type == OPTED_OUT_NUMBER_TYPE:
        list_name = _required(properties, "OptOutListName")
        return f"{OPTED_OUT_NUMBERS_PREFIX}/{list_name}/{number_digest(_required(properties, 'OptedOutNumber'))}"
    if resource_type == PHONE_NUMBER_TWO_WAY_TYPE:
        return f"{PHONE_NUMBER_TWO_WAY_PREFIX}/{_phone_number_id(properties)}"
    raise ProviderError(f"unknown resource type {resource_type!r}")


def physical_id(event: Mapping[str, Any]) -> str:
    """The resource's physical ID: a digest of the stack, the logical ID and the setting's record."""
    record = record_name(event["ResourceType"], event["ResourceProperties"])
    seed = "|".join((event["StackId"], event["LogicalResourceId"], record))
    kind = record.split("/")[2]  # account-settings, opted-out-numbers or phone-number-two-way
    return f"sms-constructs:{kind}:{hashlib.sha256(seed.encode()).hexdigest()[:32]}"


def _required(properties: Mapping[str, Any], name: str) -> str:
    value = properties.get(name)
    if not isinstance(value, str) or not value:
        raise ProviderError(f"property {name} is required")
    return value


def _phone_number_id(properties: Mapping[str, Any]) -> str:
    identifier = _required(properties, "PhoneNumberId")
    if not _PHONE_NUMBER_ID.fullmatch(identifier):
        raise ProviderError(f"PhoneNumberId must be a phone number ID (phone-...), not an ARN: got {identifier!r}")
    return identifier


def _channel(properties: Mapping[str, Any]) -> str:
    channel = _required(properties, "Channel")
    if channel not in CHANNELS:
        raise ProviderError(f"Channel must be one of {sorted(CHANNELS)}, got {channel!r}")
    return channel


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _not_found(error: ClientError) -> bool:
    return _code(error) == "ResourceNotFoundException"


class Setting:
    """One setting of the account (or of a configuration set, or one opted-out number): read, set and restore."""

    def __init__(self, sms: Any, properties: Mapping[str, Any]) -> None:
        self.sms = sms
        self.properties = properties

    def read(self) -> Any:
        """The value before the stack, as JSON."""
        raise NotImplementedError

    def apply(self) -> None:
        """Set the declared value."""
        raise NotImplementedError

    def restore(self, previous: Any) -> None:
        """Set ``previous`` (what :meth:`read` returned) back."""
        raise NotImplementedError

    def _delete(self, call: Callable[..., Any], **request: Any) -> None:
        try:
            call(**request)
        except ClientError as error:
            if not _not_found(error):
                raise
            LOGGER.info("already absent: %s", type(self).__name__)


class SpendLimit(Setting):
    """``Set…SpendLimitOverride``; restored by setting the previous override again or deleting the override."""

    def __init__(self, sms: Any, properties: Mapping[str, Any]) -> None:
        super().__init__(sms, properties)
        self.name, stem = CHANNELS[_channel(properties)]
        self._set = getattr(sms, _snake(f"Set{stem}SpendLimitOverride"))
        self._delete_override = getattr(sms, _snake(f"Delete{stem}SpendLimitOverride"))

    def read(self) -> Any:
        for page in _pages(self.sms.describe_spend_limits):
            for limit in page.get("SpendLimits", []):
                if limit["Name"] == self.name:
                    if limit["Overridden"]:
                        return {"Overridden": True, "EnforcedLimit": int(limit["EnforcedLimit"])}
                    return {"Overridden": False}
        return {"Overridden": False}

    def apply(self) -> None:
        try:
            limit = int(self.properties["MonthlyLimit"])
        except (KeyError, TypeError, ValueError):
            raise ProviderError("property MonthlyLimit must be a whole number of USD") from None
        self._set(MonthlyLimit=limit)

    def restore(self, previous: Any) -> None:
        if previous.get("Overridden"):
            self._set(MonthlyLimit=int(previous["EnforcedLimit"]))
        else:
            self._delete(self._delete_override)


class DefaultProtectConfiguration(Setting):
    """``SetAccountDefaultProtectConfiguration``; restored to the previous default, or none."""

    def read(self) -> Any:
        for page in _pages(self.sms.describe_account_attributes):
            for attribute in page.get("AccountAttributes", []):
                if attribute["Name"] == "DEFAULT_PROTECT_CONFIGURATION_ID":
                    return {"ProtectConfigurationId": attribute["Value"] or None}
        return {"ProtectConfigurationId": None}

    def apply(self) -> None:
        self.sms.set_account_default_protect_configuration(
            ProtectConfigurationId=_required(self.properties, "ProtectConfigurationId")
        )

    def restore(self, previous: Any) -> None:
        before = previous.get("ProtectConfigurationId")
        if before:
            try:
                self.sms.set_account_default_protect_configuration(ProtectConfigurationId=before)
                return
            except ClientError as error:
                if not _not_found(error):
                    raise
                LOGGER.warning("the previous default protect configuration %s no longer exists: none is set", before)
        self._delete(self.sms.delete_account_default_protect_configuration)


class DefaultMessageType(Setting):
    """``SetDefaultMessageType`` on one configuration set; restored to its previous default, or none."""

    @property
    def configuration_set(self) -> str:
        return _required(self.properties, "ConfigurationSetName")

    def read(self) -> Any:
        response = self.sms.describe_configuration_sets(ConfigurationSetNames=[self.configuration_set])
        sets = response.get("ConfigurationSets", [])
        return {"MessageType": sets[0].get("DefaultMessageType") if sets else None}

    def apply(self) -> None:
        self.sms.set_default_message_type(
            ConfigurationSetName=self.configuration_set, MessageType=_required(self.properties, "MessageType")
        )

    def restore(self, previous: Any) -> None:
        before = previous.get("MessageType")
        if before:
            try:
                self.sms.set_default_message_type(ConfigurationSetName=self.configuration_set, MessageType=before)
            except ClientError as error:
                if not _not_found(error):
                    raise
                LOGGER.info("configuration set already deleted")
        else:
            self._delete(self.sms.delete_default_message_type, ConfigurationSetName=self.configuration_set)


class OptedOutNumber(Setting):
    """``PutOptedOutNumber``; removed again only with ``RemoveOnDelete`` and only if this resource put it there."""

    @property
    def list_name(self) -> str:
        return _required(self.properties, "OptOutListName")

    @property
    def number(self) -> str:
        return _required(self.properties, "OptedOutNumber")

    @property
    def remove_on_delete(self) -> bool:
        return str(self.properties.get("RemoveOnDelete", "false")).lower() == "true"

    def _entry(self) -> Mapping[str, Any] | None:
        try:
            response = self.sms.describe_opted_out_numbers(OptOutListName=self.list_name, OptedOutNumbers=[self.number])
        except ClientError as error:
            if _not_found(error):
                return None
            raise
        for entry in response.get("OptedOutNumbers", []):
            if entry["OptedOutNumber"] == self.number:
                return dict(entry)
        return None

    def read(self) -> Any:
        return {"Present": self._entry() is not None}

    def apply(self) -> None:
        if self._entry() is None:  # a put could turn a recipient's own opt-out into an API one
            self.sms.put_opted_out_number(OptOutListName=self.list_name, OptedOutNumber=self.number)

    def restore(self, previous: Any) -> None:
        if not self.remove_on_delete:
            LOGGER.info("opted-out number %s kept on %s", number_digest(self.number), self.list_name)
            return
        if previous.get("Present"):
            LOGGER.info("opted-out number %s was on the list before the stack: kept", number_digest(self.number))
            return
        entry = self._entry()
        if entry is None:
            return
        if entry.get("EndUserOptedOut"):
            LOGGER.info("the recipient opted out themselves (%s): kept", number_digest(self.number))
            return
        try:
            self.sms.delete_opted_out_number(OptOutListName=self.list_name, OptedOutNumber=self.number)
        except ClientError as error:
            if _not_found(error):
                return
            if _code(error) in {"ValidationException", "ConflictException"}:
                # e.g. removed less than 30 days ago: the number stays opted out, which is the safe side
                LOGGER.warning("opted-out number %s not removed: %s", number_digest(self.number), _code(error))
                return
            raise


class PhoneNumberTwoWay(Setting):
    """``UpdatePhoneNumber`` with a two-way channel the CloudFormation schema refuses (Amazon Connect); restored to
    the number's previous two-way settings, or two-way off, only while the number still uses this channel."""

    @property
    def number_id(self) -> str:
        return _phone_number_id(self.properties)

    @property
    def channel(self) -> dict[str, Any]:
        """The two-way settings this resource declares, as ``UpdatePhoneNumber`` takes them."""
        return {
            "TwoWayEnabled": True,
            "TwoWayChannelArn": _required(self.properties, "TwoWayChannelArn"),
            "TwoWayChannelRole": _required(self.properties, "TwoWayChannelRole"),
        }

    def _describe(self) -> Mapping[str, Any] | None:
        """The number (``PhoneNumberInformation``), or ``None`` once it is released."""
        try:
            response = self.sms.describe_phone_numbers(PhoneNumberIds=[self.number_id])
        except ClientError as error:
            if _not_found(error):
                return None
            raise
        numbers = response.get("PhoneNumbers", [])
        return numbers[0] if numbers else None

    @staticmethod
    def _two_way(number: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "TwoWayEnabled": bool(number.get("TwoWayEnabled")),
            "TwoWayChannelArn": number.get("TwoWayChannelArn"),
            "TwoWayChannelRole": number.get("TwoWayChannelRole"),
        }

    def read(self) -> Any:
        number = self._describe()
        if number is None:
            raise ProviderError(f"phone number {self.number_id} does not exist")
        self._refuse_pool(number)
        return self._two_way(number)

    def _refuse_pool(self, number: Mapping[str, Any]) -> None:
        if number.get("PoolId"):
            raise ProviderError(
                f"phone number {self.number_id} is in pool {number['PoolId']}: a pool's two-way settings apply to "
                "its numbers and UpdatePhoneNumber refuses a number in a pool; take the number out of the pool"
            )

    def apply(self) -> None:
        self.sms.update_phone_number(PhoneNumberId=self.number_id, **self.channel)

    def restore(self, previous: Any) -> None:
        number = self._describe()
        if number is None:
            LOGGER.info("phone number %s already released", self.number_id)
            return
        if number.get("PoolId"):
            LOGGER.info("phone number %s is now in a pool, whose two-way settings apply: left as is", self.number_id)
            return
        if self._two_way(number) != self.channel:
            LOGGER.info("phone number %s has another two-way channel since: left as is", self.number_id)
            return
        # a previous channel that names this resource's own role was set by hand for this stack: the role goes with it
        if previous.get("TwoWayEnabled") and previous.get("TwoWayChannelArn") and previous != self.channel:
            before = {"TwoWayEnabled": True, "TwoWayChannelArn": previous["TwoWayChannelArn"]}
            if previous.get("TwoWayChannelRole"):
                before["TwoWayChannelRole"] = previous["TwoWayChannelRole"]
            try:
                self.sms.update_phone_number(PhoneNumberId=self.number_id, **before)
                return
            except ClientError as error:
                if not _not_found(error) and _code(error) != "ValidationException":
                    raise
                # the previous channel (a topic, a role) no longer exists: two-way off is the nearest state
                LOGGER.warning(
                    "the previous two-way channel of %s cannot be set (%s): two-way turned off",
                    self.number_id,
                    _code(error),
                )
        self._delete(self.sms.update_phone_number, PhoneNumberId=self.number_id, TwoWayEnabled=False)


KINDS: Final[Mapping[str, type[Setting]]] = {
    **dict.fromkeys(SPEND_LIMIT_TYPES, SpendLimit),
    DEFAULT_PROTECT_CONFIGURATION_TYPE: DefaultProtectConfiguration,
    DEFAULT_MESSAGE_TYPE_TYPE: DefaultMessageType,
    OPTED_OUT_NUMBER_TYPE: OptedOutNumber,
    PHONE_NUMBER_TWO_WAY_TYPE: PhoneNumberTwoWay,
}


class AccountProvider:
    """Handles the provider framework's events (see the module docstring)."""

    def __init__(self, sms: Any, ssm: Any) -> None:
        self.sms = sms
        self.ssm = ssm

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        request = event["RequestType"]
        resource_type = event["ResourceType"]
        if resource_type not in KINDS:
            raise ProviderError(f"unknown resource type {resource_type!r}")
        properties = event["ResourceProperties"]
        setting = KINDS[resource_type](self.sms, properties)
        name = record_name(resource_type, properties)
        LOGGER.info("%s %s %s", request, resource_type, event["LogicalResourceId"])
        if request in ("Create", "Update"):
            return self._claim(physical_id(event), name, setting)
        if request == "Delete":
            self._release(str(event.get("PhysicalResourceId", "")), name, setting)
            return {}
        raise ProviderError(f"unknown request type {request!r}")

    def _claim(self, owner: str, name: str, setting: Setting) -> dict[str, Any]:
        record = self._get(name)
        if record is None:
            claimed = {"Owner": owner, "Previous": setting.read()}
        elif record.get("Owner") == owner:
            claimed = record
        else:
            LOGGER.info("taking over %s from %s", name, record.get("Owner"))
            claimed = {"Owner": owner, "Previous": record.get("Previous")}
        if claimed != record:
            self._put(name, claimed)
        try:
            setting.apply()
        except Exception:
            if claimed != record:  # give the setting back to its previous owner (or to nobody)
                if record is None:
                    self._remove(name)
                else:
                    self._put(name, record)
            raise
        return {"PhysicalResourceId": owner, "Data": {"Previous": json.dumps(claimed["Previous"], sort_keys=True)}}

    def _release(self, owner: str, name: str, setting: Setting) -> None:
        record = self._get(name)
        if record is None or record.get("Owner") != owner:
            LOGGER.info("%s is not owned by %s: nothing changed", name, owner)
            return
        setting.restore(record.get("Previous") or {})
        self._remove(name)

    def _get(self, name: str) -> dict[str, Any] | None:
        try:
            value = self.ssm.get_parameter(Name=name)["Parameter"]["Value"]
        except ClientError as error:
            if _code(error) == "ParameterNotFound":
                return None
            raise
        record = json.loads(value)
        return record if isinstance(record, dict) else None

    def _put(self, name: str, record: Mapping[str, Any]) -> None:
        self.ssm.put_parameter(
            Name=name,
            Value=json.dumps(record, sort_keys=True),
            Type="String",
            Overwrite=True,
            Description="sms-constructs: which resource owns this setting, and its value before the stack",
        )

    def _remove(self, name: str) -> None:
        try:
            self.ssm.delete_parameter(Name=name)
        except ClientError as error:
            if _code(error) != "ParameterNotFound":
                raise


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _pages(operation: Callable[..., Mapping[str, Any]], **request: Any) -> Iterator[Mapping[str, Any]]:
    while True:
        page = operation(**request)
        yield page
        token = page.get("NextToken")
        if not token:
            return
        request = {**request, "NextToken": token}


def main(event: Mapping[str, Any], _context: Any) -> dict[str, Any]:
    """Lambda entry point (``account_provider.handler.main``), called by the custom-resource provider framework."""
    config = Config(retries={"max_attempts": 8, "mode": "standard"})
    return AccountProvider(
        boto3.client("pinpoint-sms-voice-v2", config=config), boto3.client("ssm", config=config)
    ).handle(event)
